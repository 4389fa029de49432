import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class QualtricsResponse(BaseModel):
    """One survey response from a Qualtrics CSV export (three header rows: ids, question text, ImportId JSON).

    The NPS, CSAT and CES questions are identified per file (cxp.yaml, else by question
    text) and their scores validated against their scales; every answer is kept in ``answers``.
    """

    response_id: str = Field(description="ResponseId (R_...)")
    start_date: dt.datetime | None = Field(None, description="UTC")
    start_date_text: str | None = Field(None, description="as exported, in the zone named by the export (time_zone)")
    end_date: dt.datetime | None = Field(None, description="UTC")
    end_date_text: str | None = None
    recorded_date: dt.datetime = Field(description="UTC; the response's event time (EndDate when the export has no RecordedDate)")
    recorded_date_text: str | None = None
    time_zone: str = Field(description="zone the times were read in: the export's timeZone, else cxp.yaml store_timezone")
    status: str | None = Field(None, description="response type as exported (0 = IP Address, 1 = Survey Preview, ... or its label)")
    ip_address: str | None = None
    progress: int | None = Field(None, description="percent of the survey completed")
    duration_in_seconds: int | None = None
    finished: bool | None = Field(None, description="false for partial responses, which are still records")
    recipient_last_name: str | None = None
    recipient_first_name: str | None = None
    recipient_email: str | None = Field(None, description="as exported")
    external_reference: str | None = Field(None, description="ExternalReference: often the shop's customer id")
    location_latitude: float | None = None
    location_longitude: float | None = None
    distribution_channel: str | None = None
    user_language: str | None = None
    nps_question: str | None = Field(None, description="column holding the 0-10 recommend score in this file")
    nps_score: int | None = Field(None, description="0..10")
    csat_question: str | None = None
    csat_score: int | None = Field(None, description="1..5")
    ces_question: str | None = None
    ces_score: int | None = Field(None, description="1..7")
    comment: str | None = Field(None, description="the free-text (_TEXT) answers joined, one per line")
    answers: JsonText | None = Field(None, description="every non-blank question column, {column id: answer}")
    embedded_data: JsonText | None = Field(None, description="non-blank columns that are neither fixed metadata nor questions (embedded data)")
