import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class MixpanelEvent(BaseModel):
    """One event from a Mixpanel raw export (JSON lines ``{"event", "properties"}``).

    Columns drop the ``$`` of Mixpanel's reserved property names; ``properties`` keeps them all.
    """

    insert_id: str = Field(description="properties.$insert_id: the dedupe key (Mixpanel's export does not dedupe)")
    event: str | None = Field(None, description="event name")
    time: dt.datetime = Field(description="UTC, from properties.time")
    time_text: str = Field(description="properties.time as exported (epoch seconds, or ms)")
    distinct_id: str | None = Field(None, description="who did it: an account id, or `$device:<id>` before identify")
    device_id: str | None = Field(None, description="properties.$device_id")
    user_id: str | None = Field(None, description="properties.$user_id")
    email: str | None = Field(None, description="properties.$email, else properties.email, as exported")
    os: str | None = Field(None, description="properties.$os")
    os_version: str | None = None
    app_version: str | None = Field(None, description="properties.$app_version_string")
    model: str | None = Field(None, description="properties.$model (device model)")
    city: str | None = Field(None, description="properties.$city")
    region: str | None = Field(None, description="properties.$region")
    mp_country_code: str | None = None
    mp_processing_time_ms: int | None = Field(None, description="when Mixpanel ingested the event, epoch ms")
    revenue: float | None = Field(None, description="properties revenue/$revenue/amount, else price x quantity")
    order_ref: str | None = Field(None, description="order number from properties order_number/order_id/... (`#2041` -> 2041)")
    properties: JsonText = Field(description="every property as exported")
