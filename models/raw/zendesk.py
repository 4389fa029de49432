import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class ZendeskTicket(BaseModel):
    """A ticket version from a Zendesk Incremental Ticket Export page; the same ticket recurs in later pages as it changes."""

    id: str = Field(description="ticket id (an integer in the API, stored as text)")
    url: str | None = None
    external_id: str | None = Field(None, description="id the ticket carries in another system")
    via_channel: str | None = Field(None, description="via.channel as exported: email, web, voice, chat, native_messaging, twitter, facebook, api, ...")
    via_source_rel: str | None = Field(None, description="via.source.rel, e.g. inbound, voicemail")
    via_from_address: str | None = Field(None, description="via.source.from.address: the sender's email")
    via_from_phone: str | None = Field(None, description="via.source.from.phone (else formatted_phone): the caller's number")
    via_from_name: str | None = Field(None, description="via.source.from.name")
    via_from_username: str | None = Field(None, description="via.source.from.username: the social handle on twitter/facebook tickets")
    via_to_address: str | None = Field(None, description="via.source.to.address: the support address written to")
    created_at: dt.datetime = Field(description="UTC; the ticket's event time")
    updated_at: dt.datetime | None = Field(None, description="UTC")
    generated_timestamp: dt.datetime | None = Field(None, description="UTC, from epoch seconds: when this version was exported; the highest is the latest")
    type: str | None = Field(None, description="problem, incident, question, task")
    subject: str | None = None
    description: str | None = Field(None, description="the first comment, multi-line")
    status: str | None = Field(None, description="new, open, pending, hold, solved, closed, deleted")
    priority: str | None = None
    recipient: str | None = None
    requester_id: str | None = None
    submitter_id: str | None = None
    assignee_id: str | None = None
    organization_id: str | None = None
    group_id: str | None = None
    brand_id: str | None = None
    ticket_form_id: str | None = None
    tags: str | None = Field(None, description="tags[] joined with commas (Zendesk tags contain no commas or spaces)")
    custom_fields: JsonText | None = Field(None, description="custom_fields[] ({id, value}) as exported")
    satisfaction_score: str | None = Field(None, description="satisfaction_rating.score: offered, unoffered, good, bad (older: good_with_comment, bad_with_comment)")
    satisfaction_comment: str | None = None
    satisfaction_reason: str | None = None
    raw_json: JsonText = Field(description="the ticket object as exported")


class ZendeskUser(BaseModel):
    """A user (requester, agent, admin) sideloaded on an incremental export page."""

    id: str = Field(description="user id (an integer in the API, stored as text)")
    name: str | None = None
    email: str | None = Field(None, description="as exported; identity resolution canonicalises it")
    phone: str | None = Field(None, description="as exported; E.164 in staging")
    shared_phone_number: bool | None = Field(None, description="Zendesk's own flag that the phone is shared by several people")
    external_id: str | None = Field(None, description="often the shop's customer id, in any format")
    role: str | None = Field(None, description="end-user, agent, admin")
    time_zone: str | None = Field(None, description="Rails zone name, e.g. 'Central Time (US & Canada)'")
    iana_time_zone: str | None = None
    locale: str | None = None
    organization_id: str | None = None
    verified: bool | None = None
    active: bool | None = None
    tags: str | None = Field(None, description="tags[] joined with commas")
    user_fields: JsonText | None = Field(None, description="user_fields{} as exported")
    created_at: dt.datetime | None = Field(None, description="UTC")
    updated_at: dt.datetime | None = Field(None, description="UTC; the latest is the current version")
    raw_json: JsonText = Field(description="the user object as exported")


class ZendeskMetricSet(BaseModel):
    """A ticket's metric set (replies, reopens, durations) sideloaded on an incremental export page.

    Each duration object ``{calendar, business}`` becomes two columns, in minutes; either may be null.
    """

    id: str | None = Field(None, description="metric set id")
    ticket_id: str = Field(description="the ticket these metrics describe")
    reopens: int | None = None
    replies: int | None = None
    assignee_stations: int | None = None
    group_stations: int | None = None
    reply_time_in_minutes_calendar: int | None = Field(None, description="first reply time, calendar minutes")
    reply_time_in_minutes_business: int | None = Field(None, description="first reply time, business minutes")
    first_resolution_time_in_minutes_calendar: int | None = None
    first_resolution_time_in_minutes_business: int | None = None
    full_resolution_time_in_minutes_calendar: int | None = None
    full_resolution_time_in_minutes_business: int | None = None
    agent_wait_time_in_minutes_calendar: int | None = None
    agent_wait_time_in_minutes_business: int | None = None
    requester_wait_time_in_minutes_calendar: int | None = None
    requester_wait_time_in_minutes_business: int | None = None
    on_hold_time_in_minutes_calendar: int | None = None
    on_hold_time_in_minutes_business: int | None = None
    solved_at: dt.datetime | None = Field(None, description="UTC")
    assigned_at: dt.datetime | None = Field(None, description="UTC")
    initially_assigned_at: dt.datetime | None = Field(None, description="UTC")
    latest_comment_added_at: dt.datetime | None = Field(None, description="UTC")
    created_at: dt.datetime | None = Field(None, description="UTC")
    updated_at: dt.datetime | None = Field(None, description="UTC; the latest is the current version")
    raw_json: JsonText = Field(description="the metric set object as exported")
