"""The API docs in Chromium: each page loads offline without errors and lists its operations;
"Authorize" with the prefilled demo credentials and "Try it out" -> "Execute" call the sandbox."""

from __future__ import annotations

import os
import re

import pytest
import yaml

from sandbox.resources import spec_path
from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO, screenshot

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("the Python package playwright is missing: pip install -e '.[test]'", allow_module_level=True)


TITLES = {
    "fixje": "Fixje Partner Web API (2.0)",
    "vidaxl": "vidaXL customer API (B2BWave)",
    "sandbox": "supplier-sandbox control API",
}


def operation_ids(name: str) -> list[str]:
    paths = yaml.safe_load(spec_path(name).read_text(encoding="utf-8"))["paths"]
    return [
        op["operationId"]
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]


def operation(page: Page, operation_id: str) -> Locator:
    """An operation's block; Swagger UI names it operations-{tag}-{operationId}."""
    return page.locator(f".opblock[id$='-{operation_id}']")


def execute(page: Page, operation_id: str, **params: str) -> Locator:
    """Open the operation, "Try it out", fill `params`, "Execute": the row of the live response."""
    block = operation(page, operation_id)
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    for param, value in params.items():
        block.locator(f"tr[data-param-name='{param}'] input").fill(value)
    block.get_by_role("button", name="Execute").click()
    return block.locator(".live-responses-table .response")


def open_docs(page: Page, name: str, title: str) -> None:
    """The page loads, with every operation of the spec, and "Try it out" aims at this sandbox."""
    page.goto(f"/docs/{name}")
    expect(page).to_have_title(f"{title} - supplier-sandbox")
    expect(page.locator(".info .title")).to_contain_text(title)
    expect(page.locator(".opblock")).to_have_count(len(operation_ids(name)))
    for operation_id in operation_ids(name):
        expect(operation(page, operation_id)).to_have_count(1)
    expect(page.locator(".servers select option")).to_have_text([re.compile(r"^http://127\.0\.0\.1:\d+ ")])
    screenshot(page, f"docs-{name}")


def test_the_docs_index_links_every_page_and_spec(page: Page, console_errors: list[str]) -> None:
    page.goto("/docs")
    for name, title in TITLES.items():
        main = page.locator("main")
        expect(main.get_by_role("link", name=title)).to_have_attribute("href", f"/docs/{name}")
        expect(main.get_by_role("link", name=f"{name}.yaml")).to_have_attribute("href", f"/specs/{name}.yaml")
    screenshot(page, "docs-index")
    assert console_errors == []


def test_fixje_authorize_with_the_prefilled_client_then_try_it_out(
    page: Page, console_errors: list[str]
) -> None:
    open_docs(page, "fixje", "Fixje Partner Web API (2.0)")
    authorize = page.locator(".auth-wrapper button.authorize")
    expect(authorize).to_have_class(re.compile(r"\bunlocked\b"))
    authorize.click()
    oauth = page.locator(".auth-container").filter(
        has=page.get_by_role("heading", name="partnerOAuth (OAuth2, clientCredentials)")
    )
    expect(oauth.locator("#client_id_clientCredentials")).to_have_value(FIXJE_DEMO[0])
    expect(oauth.locator("#client_secret_clientCredentials")).to_have_value(FIXJE_DEMO[1])
    with page.expect_response("**/api/v1/login") as login:
        oauth.get_by_role("button", name="Apply given OAuth2 credentials").click()
    assert login.value.status == 200
    expect(oauth.get_by_role("heading", name="Authorized")).to_be_visible()
    page.locator(".modal-ux .close-modal").click()
    expect(authorize).to_have_class(re.compile(r"\blocked\b"))

    # one page-size field per list: the one the docs name for it
    products = operation(page, "listProducts")
    response = execute(page, "listProducts", pageSize="2")
    expect(products.locator("tr[data-param-name='pagesize']")).to_have_count(0)
    expect(response.locator(".response-col_status")).to_have_text("200")
    body = response.locator(".response-col_description")
    expect(body).to_contain_text('"totalCount": 600')
    expect(body).to_contain_text('"sku": "FX100001"')
    expect(body).not_to_contain_text('"sku": "FX100003"')
    response.scroll_into_view_if_needed()
    screenshot(page, "docs-fixje-try-it-out", full_page=False)
    # each error status shows an example of its own
    orders = operation(page, "getOrder")
    orders.locator(".opblock-summary").click()
    for status, text in (
        ("400", "One or more validation errors occurred."),
        ("401", "The access token expired."),
        ("404", "was not found"),
        ("429", "Rate limit of 10 request(s)"),
        ("5XX", "temporarily unavailable"),
    ):
        expect(orders.locator(f"tr.response[data-code='{status}']")).to_contain_text(text)
    assert console_errors == []


def test_vidaxl_is_authorized_with_the_demo_customer_and_try_it_out_works(
    page: Page, console_errors: list[str]
) -> None:
    open_docs(page, "vidaxl", "vidaXL customer API (B2BWave)")
    authorize = page.locator(".auth-wrapper button.authorize")
    expect(authorize).to_have_class(re.compile(r"\blocked\b"))
    authorize.click()
    expect(page.locator(".modal-ux")).to_contain_text(f"Username: {VIDAXL_DEMO[0]}")
    expect(page.locator(".modal-ux").get_by_role("heading", name="Authorized")).to_be_visible()
    page.locator(".modal-ux .close-modal").click()

    # the create operation shows its request body and every field of the order (no YAML merge keys)
    create = operation(page, "createOrder")
    create.locator(".opblock-summary").click()
    expect(create.locator(".opblock-section-request-body")).to_contain_text("Covent Garden")
    expect(create.locator(".responses-wrapper")).not_to_contain_text("<<")
    response = execute(page, "listProductsJson", limit="2")
    expect(response.locator(".response-col_status")).to_have_text("200")
    expect(response.locator(".response-col_description")).to_contain_text('"code": "146400"')
    response.scroll_into_view_if_needed()
    screenshot(page, "docs-vidaxl-try-it-out", full_page=False)
    assert console_errors == []


def test_the_control_api_docs_try_it_out_on_loopback(page: Page, console_errors: list[str]) -> None:
    open_docs(page, "sandbox", "supplier-sandbox control API")
    # grouped by tag, in the spec's order
    tags = [tag["name"] for tag in yaml.safe_load(spec_path("sandbox").read_text(encoding="utf-8"))["tags"]]
    expect(page.locator(".opblock-tag-section h3 .nostyle span")).to_have_text(tags)
    expect(page.locator(".opblock[id^='operations-Clock-']")).to_have_count(2)
    response = execute(page, "getClock")
    expect(response.locator(".response-col_status")).to_have_text("200")
    expect(response.locator(".response-col_description")).to_contain_text('"now": "2026-11-02T09:00:00Z"')
    expect(response.locator(".response-col_description")).to_contain_text('"frozen": true')
    assert console_errors == []
