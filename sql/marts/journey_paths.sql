-- The most common customer paths: each identified customer's first four touchpoints
-- (consecutive repeats collapsed, from marts.customer_journeys.path_step), counted per
-- path, with the outcomes of the customers who took it: NPS from each customer's
-- latest score, CSAT over their ratings, repeat purchase among buyers, revenue.
-- path_rank 1 is the most common path.
with first_steps as (
    select
        customer_id,
        max(case when path_step = 1 then touchpoint end) as step_1,
        max(case when path_step = 2 then touchpoint end) as step_2,
        max(case when path_step = 3 then touchpoint end) as step_3,
        max(case when path_step = 4 then touchpoint end) as step_4,
        max(path_step) as path_steps
    from marts.customer_journeys
    where path_step <= 4
    group by customer_id
),

customer_paths as (
    select
        f.*,
        concat_ws(' > ', f.step_1, f.step_2, f.step_3, f.step_4) as path,
        c.last_nps,
        c.csat_ratings,
        c.csat_satisfied,
        c.orders,
        c.revenue
    from first_steps f
    join marts.customer_experience c on c.customer_id = f.customer_id
),

paths as (
    select
        path,
        min(path_steps) as steps,
        min(step_1) as step_1,
        min(step_2) as step_2,
        min(step_3) as step_3,
        min(step_4) as step_4,
        count(*) as customers,
        count(last_nps) as nps_customers,
        count(*) filter (where last_nps >= 9) as promoters,
        count(*) filter (where last_nps <= 6) as detractors,
        sum(csat_ratings) as csat_ratings,
        sum(csat_satisfied) as csat_satisfied,
        count(*) filter (where orders >= 1) as buyers,
        count(*) filter (where orders >= 2) as repeat_buyers,
        sum(revenue) as revenue
    from customer_paths
    group by path
)

select
    row_number() over (order by customers desc, path) as path_rank, -- 1 = the most common path
    path,                               -- up to four touchpoints joined by ' > '
    steps,                              -- touchpoints in the path (1-4)
    step_1,                             -- first touchpoint
    step_2,                             -- second touchpoint (NULL for shorter paths)
    step_3,                             -- third touchpoint
    step_4,                             -- fourth touchpoint
    customers,                          -- customers whose journey starts with this path
    1.0 * customers / sum(customers) over () as share_of_customers, -- customers / all identified customers with touches
    nps_customers,                      -- customers on the path with an NPS score
    100.0 * (promoters - detractors) / nullif(nps_customers, 0) as nps, -- NPS of their latest scores
    cast(csat_ratings as bigint) as csat_ratings, -- CSAT ratings they gave
    100.0 * csat_satisfied / nullif(csat_ratings, 0) as csat, -- 100 x satisfied / rated over their CSAT ratings
    buyers,                             -- customers on the path with an order
    1.0 * repeat_buyers / nullif(buyers, 0) as repeat_purchase_rate, -- buyers with two or more orders / buyers
    cast(revenue as decimal(18, 2)) as revenue, -- their order totals
    cast(revenue / customers as double) as revenue_per_customer -- revenue / customers on the path
from paths
