import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class AmplitudeEvent(BaseModel):
    """One app event from an Amplitude Export API file (zip of gzipped JSON lines).

    Explicit columns for what identity resolution and metrics read, plus the two property
    bags as JSON text. Exports run to millions of events and every column costs load time,
    so the whole event is not copied and device details beyond these are left out.
    """

    insert_id: str = Field(description="dedupe key: `$insert_id`, or `uuid` when the event has none")
    uuid: str | None = Field(None, description="Amplitude's own id of the stored event (insert_id = uuid when `$insert_id` is absent)")
    event_type: str | None = None
    event_time: dt.datetime = Field(description="UTC (Amplitude writes UTC without a zone marker)")
    session_id: int | None = Field(None, description="session start in epoch ms; -1 for events outside a session")
    user_id: str | None = Field(None, description="the app's own account id; null before login")
    device_id: str | None = None
    amplitude_id: str | None = Field(None, description="Amplitude's user id, as text")
    adid: str | None = Field(None, description="Google advertising id")
    idfa: str | None = Field(None, description="Apple advertising id")
    idfv: str | None = Field(None, description="Apple vendor id")
    user_properties_email: str | None = Field(None, description="user_properties.email as the app set it")
    platform: str | None = None
    os_name: str | None = None
    version_name: str | None = Field(None, description="app version")
    country: str | None = None
    city: str | None = None
    server_upload_time: dt.datetime | None = Field(None, description="UTC; the export window filters on it")
    revenue: float | None = Field(
        None, description="event_properties `$revenue`/`revenue`, else `$price` x `$quantity` (1 when absent), else price x quantity"
    )
    order_ref: str | None = Field(None, description="order number from event_properties order_number/order_id/... (`#2041` -> 2041)")
    event_properties: JsonText | None = None
    user_properties: JsonText | None = None
    export_member: str | None = Field(None, description="the file inside the export zip the event came from")
