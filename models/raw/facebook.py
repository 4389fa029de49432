import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class FacebookComment(BaseModel):
    """A comment on the company's Facebook page, from a Graph API comments page."""

    id: str = Field(description="comment id; a content hash prefixed 'hash:' when the token did not return ids")
    id_is_hash: bool = Field(description="true when id was derived from the content")
    message: str | None = None
    created_time: dt.datetime = Field(description="UTC")
    created_time_text: str = Field(description="created_time as the API wrote it (offset without colon)")
    from_id: str | None = Field(None, description="commenter's page-scoped id; missing without the right token")
    from_name: str | None = None
    like_count: int | None = None
    comment_count: int | None = None
    parent_id: str | None = Field(None, description="the comment this one replies to")
    raw_json: JsonText = Field(description="the comment object as exported")
