import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class DelightedResponse(BaseModel):
    """A Delighted survey response (NPS, CSAT or CES), with the person when it was expanded."""

    id: str = Field(description="response id")
    person_id: str | None = Field(None, description="person, whether exported as an id or as an expanded object")
    person_name: str | None = None
    person_email: str | None = Field(None, description="as exported; identity resolution canonicalises it")
    person_phone_number: str | None = Field(None, description="as exported; E.164 in staging")
    survey_type: str | None = Field(None, description="survey_type as exported; null in exports from before Delighted had several survey types")
    survey_kind: str = Field(
        description="the scale the score was checked against: nps (0-10; also when survey_type is missing, Delighted's default), "
        "csat (1-5; also five_star and smileys), ces (1-7; older 5-point CES scores lie inside it and are kept as answered), "
        "or the lower-cased survey_type for other surveys (enps 0-10, thumbs, pmf, ...)"
    )
    score: int | None = Field(None, description="validated against survey_kind's scale; null when the response has no score")
    comment: str | None = None
    permalink: str | None = None
    tags: str | None = Field(None, description="tags[] joined with commas")
    person_properties: JsonText | None = Field(None, description="person_properties{} as exported")
    customer_ref: str | None = Field(None, description="customer id from person_properties (customer_id, Customer ID, ...)")
    order_ref: str | None = Field(None, description="order number from person_properties (order, order_id, Order Number, ...), '#' removed")
    additional_answers: JsonText | None = Field(None, description="additional_answers[] as exported")
    notes: JsonText | None = Field(None, description="notes[] as exported (team notes on the response)")
    created_at: dt.datetime = Field(description="UTC, from epoch seconds; the response's event time")
    updated_at: dt.datetime | None = Field(None, description="UTC, from epoch seconds; the latest is the current version")
    raw_json: JsonText = Field(description="the response object as exported")
