"""A customer's flow through a client generated from /v1/openapi.json by
openapi-python-client (scripts/test-api-contract generates it): sign in,
open tickets, upload a file and attach it, list with filters and pages.

    python3 generated_client_flow.py http://127.0.0.1:PORT

Every call goes through the generated code, so a parameter documented in the
wrong place, a missing status or a body that breaks its schema fails here.
Exits non-zero on the first expectation that does not hold.
"""

import io
import sys

from cs_api_client import AuthenticatedClient, Client
from cs_api_client.api.accounts import get_me, log_in
from cs_api_client.api.departments import list_departments
from cs_api_client.api.files import upload_file
from cs_api_client.api.messages import list_messages, post_message
from cs_api_client.api.tickets import create_ticket, list_tickets, update_ticket
from cs_api_client.models import (
    CreateMessage,
    CreateTicket,
    ErrorBody,
    LoginRequest,
    TicketStatus,
    UpdateTicket,
)
from cs_api_client.types import File

# The demo organisation's customer (server/src/demo.rs).
EMAIL = "carla.customer@demo.test"
PASSWORD = "demo-password"
# The smallest PNG: a 1x1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def expect(response, status):
    if response.status_code != status:
        sys.exit(f"expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


def main(base):
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    wrong = expect(
        log_in.sync_detailed(client=anonymous, body=LoginRequest(email=EMAIL, password="nope")),
        401,
    )
    assert isinstance(wrong, ErrorBody) and wrong.error.code == "invalid_credentials", wrong
    auth = expect(
        log_in.sync_detailed(client=anonymous, body=LoginRequest(email=EMAIL, password=PASSWORD)),
        200,
    )
    client = AuthenticatedClient(base_url=base, token=auth.token, raise_on_unexpected_status=True)
    me = expect(get_me.sync_detailed(client=client), 200)
    assert me.email == EMAIL, me

    department = expect(list_departments.sync_detailed(client=client), 200)[0]

    # The generated client sends uploads as octet-stream; the server takes
    # the type the content shows.
    upload = File(payload=io.BytesIO(PNG), file_name="pixel.png", mime_type="image/png")
    meta = expect(upload_file.sync_detailed(client=client, body=upload, name="pixel.png"), 201)
    assert meta.content_type == "image/png" and meta.size == len(PNG), meta

    subjects = ["Generated client: printer", "Generated client: invoice", "Generated client: login"]
    opened = []
    for subject in subjects:
        ticket = expect(
            create_ticket.sync_detailed(
                client=client,
                body=CreateTicket(subject=subject, body="Opened through the generated client.",
                                  department_id=department.id),
            ),
            201,
        )
        assert ticket.status == TicketStatus.OPEN, ticket
        opened.append(ticket)

    message = expect(
        post_message.sync_detailed(
            opened[0].id, client=client,
            body=CreateMessage(body="The screenshot", attachment_ids=[meta.id]),
        ),
        201,
    )
    assert [a.id for a in message.attachments] == [meta.id], message
    page = expect(list_messages.sync_detailed(opened[0].id, client=client, limit=10), 200)
    assert message.id in [m.id for m in page.messages], page

    # The customer closes one: the status filter tells them apart.
    closing = opened[2]
    closed = expect(
        update_ticket.sync_detailed(
            closing.id, client=client,
            body=UpdateTicket(version=closing.version, status=TicketStatus.CLOSED),
        ),
        200,
    )
    assert closed.status == TicketStatus.CLOSED, closed

    # Open tickets a page of one at a time: every one once, the closed one never.
    seen, cursor, pages = [], None, 0
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        page = expect(
            list_tickets.sync_detailed(client=client, status="open", limit=1, **kwargs), 200
        )
        assert len(page.tickets) <= 1, page
        seen += [t.id for t in page.tickets]
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            break
        assert pages < 100, "the pages never end"
    assert len(seen) == len(set(seen)), "a ticket came on two pages"
    assert opened[0].id in seen and opened[1].id in seen, seen
    assert closing.id not in seen, "a closed ticket is listed as open"
    closed_page = expect(list_tickets.sync_detailed(client=client, status="closed"), 200)
    assert closing.id in [t.id for t in closed_page.tickets], closed_page

    # Full-text search, through the `q` query parameter.
    found = expect(list_tickets.sync_detailed(client=client, q="invoice"), 200)
    assert opened[1].id in [t.id for t in found.tickets], found

    # A malformed query parameter is a documented 400 with the error body.
    bad = expect(list_tickets.sync_detailed(client=client, limit=-1), 400)
    assert isinstance(bad, ErrorBody), bad

    print(f"generated client: signed in, uploaded, opened {len(opened)} tickets, "
          f"paged {pages} pages of open tickets: passed")


if __name__ == "__main__":
    main(sys.argv[1])
