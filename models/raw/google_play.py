import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class GooglePlayReview(BaseModel):
    """One review from a Google Play Console monthly reviews export (``reviews_<package>_YYYYMM.csv``).

    Reviews are anonymous: the export carries no reviewer identity. Each instant comes as a
    text column and a milliseconds column; the parsed UTC value prefers the milliseconds.
    """

    review_id: str = Field(description="reviewId from Review Link (URL-decoded), else 'hash:' + a hash of package, submit time, device and language")
    review_id_is_hash: bool = Field(description="true when the file gave no Review Link to take the id from")
    package_name: str | None = None
    app_version_code: str | None = None
    app_version_name: str | None = None
    reviewer_language: str | None = None
    device: str | None = None
    review_submit_date_and_time: dt.datetime = Field(description="UTC, from the millis column, else from the text column")
    review_submit_date_and_time_text: str | None = Field(None, description="as exported, e.g. 2024-11-05T18:22:41Z")
    review_submit_millis_since_epoch: int | None = None
    review_last_update_date_and_time: dt.datetime | None = Field(None, description="UTC")
    review_last_update_date_and_time_text: str | None = None
    review_last_update_millis_since_epoch: int | None = None
    star_rating: int | None = Field(None, description="1..5; outside the scale the review is rejected")
    review_title: str | None = None
    review_text: str | None = Field(None, description="may span lines")
    developer_reply_date_and_time: dt.datetime | None = Field(None, description="UTC")
    developer_reply_date_and_time_text: str | None = None
    developer_reply_millis_since_epoch: int | None = None
    developer_reply_text: str | None = None
    review_link: str | None = None
    extra_json: JsonText | None = Field(None, description="non-blank values of columns this layout does not know, by header name")
