import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class Tweet(BaseModel):
    """A post from an X (Twitter) API v2 page, with its author joined from ``includes.users``.

    Ids are text: they exceed the 53 bits a double holds exactly.
    """

    id: str = Field(description="tweet id")
    text: str | None = None
    author_id: str | None = None
    author_username: str | None = Field(None, description="includes.users[].username of author_id; null when the page has no includes")
    author_name: str | None = Field(None, description="includes.users[].name of author_id")
    created_at: dt.datetime = Field(description="UTC")
    created_at_text: str = Field(description="created_at as the API wrote it")
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    lang: str | None = None
    retweet_count: int | None = None
    reply_count: int | None = None
    like_count: int | None = None
    quote_count: int | None = None
    impression_count: int | None = None
    raw_json: JsonText = Field(description="the tweet object as exported")
