import datetime as dt

from pydantic import BaseModel, Field

from models.schema import JsonText


class ConnectContact(BaseModel):
    """An Amazon Connect contact trace record (CTR), delivered at least once; columns are the
    vendor's key paths in snake_case (``Agent.AgentInteractionDuration`` -> ``agent_agent_interaction_duration``).

    Durations are whole seconds. ``Agent`` is null when the contact never reached an agent.
    """

    contact_id: str = Field(description="ContactId")
    initial_contact_id: str | None = Field(None, description="InitialContactId: the first contact of a transfer chain")
    previous_contact_id: str | None = None
    next_contact_id: str | None = None
    related_contact_id: str | None = None
    channel: str | None = Field(None, description="VOICE, CHAT, TASK, EMAIL")
    initiation_method: str | None = Field(None, description="INBOUND, OUTBOUND, TRANSFER, CALLBACK, API, QUEUE_TRANSFER, ...")
    disconnect_reason: str | None = None
    initiation_timestamp: dt.datetime = Field(description="UTC; the contact's event time")
    connected_to_system_timestamp: dt.datetime | None = Field(None, description="UTC")
    disconnect_timestamp: dt.datetime | None = Field(None, description="UTC")
    last_update_timestamp: dt.datetime | None = Field(None, description="UTC; the highest is the latest delivery")
    customer_endpoint_address: str | None = Field(None, description="E.164 phone for TELEPHONE_NUMBER, an email for EMAIL_ADDRESS; null for chat")
    customer_endpoint_type: str | None = None
    system_endpoint_address: str | None = Field(None, description="the company's number the customer called")
    system_endpoint_type: str | None = None
    queue_name: str | None = None
    queue_arn: str | None = None
    queue_enqueue_timestamp: dt.datetime | None = Field(None, description="UTC")
    queue_dequeue_timestamp: dt.datetime | None = Field(None, description="UTC")
    queue_duration: int | None = Field(None, description="seconds in queue")
    has_agent: bool = Field(description="false when Agent is null: the contact never reached an agent")
    agent_username: str | None = None
    agent_routing_profile_name: str | None = None
    agent_connected_to_agent_timestamp: dt.datetime | None = Field(None, description="UTC")
    agent_agent_interaction_duration: int | None = Field(None, description="talk seconds")
    agent_customer_hold_duration: int | None = Field(None, description="hold seconds")
    agent_after_contact_work_duration: int | None = Field(None, description="after-contact work seconds")
    agent_number_of_holds: int | None = None
    agent_longest_hold_duration: int | None = None
    agent_connection_attempts: int | None = None
    attributes: JsonText | None = Field(None, description="Attributes{} (contact flow key/values) as exported")
    order_ref: str | None = Field(None, description="order number found in Attributes (orderNumber, order_id, ...), '#' and prefixes removed")
    customer_ref: str | None = Field(None, description="customer id or email found in Attributes (customerId, customer_id, email, ...)")
    aws_account_id: str | None = None
    instance_arn: str | None = None
    raw_json: JsonText = Field(description="the CTR object as delivered")
