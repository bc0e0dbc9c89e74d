"""Fuzzing the protected API: any method on its paths, live or odd bearer tokens, bodies of every shape."""

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import strategies as fs
from tests.fuzz.strategies import per_world, values

API_PATHS = ["/api/v1/me", "/api/v1/data", "/api/v1/billing", "/api/v1/webhooks", "/api/v1/webhooks/1", "/api/v1/"]
API_FIELDS = {
    "name": values("Ada"),
    "title": values("A title"),
    "url": values("https://hooks.example.com/in"),
    "events": values("item.created"),
}
JSON_FIELDS = {**API_FIELDS, "events": st.lists(values("item.created", "profile.updated"), max_size=3)}


# A token in a URL is revoked as leaked: the query never carries the world's own, which other examples need live.
QUERIES = fs.query({"access_token": values(fs.any_credential()), "before": values("1"), "limit": values("10")})
PATHS = st.sampled_from(API_PATHS) | st.sampled_from(API_PATHS).map(lambda p: p + "/x")


@per_world
def _authorization_headers(world) -> st.SearchStrategy[str]:
    return fs.bearer_header(values(st.sampled_from(world.tokens), fs.any_credential()))


@given(data=st.data())
def test_api(world, visitors, fuzzer, data):
    fuzz = fuzzer("api")
    path = data.draw(PATHS, label="path")
    method = data.draw(st.sampled_from(["GET", "GET", "POST", "PATCH", *fs.METHODS]), label="method")
    headers = {}
    if data.draw(st.integers(0, 4), label="with token") > 0:
        headers["Authorization"] = data.draw(_authorization_headers(world), label="Authorization")
    content_type, body = data.draw(BODIES, label="body")
    query = data.draw(QUERIES, label="query")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user"]), label="as")]
    fuzz.send(
        visitor.http, method, path, query=query, body=body, content_type=content_type, headers=headers, machine=True
    )


# JSON of the expected shape or any other, under the right content type or another; or no JSON at all.
BODIES = st.tuples(
    st.sampled_from(["application/json", "application/json; charset=utf-8"]),
    fs.json_objects(JSON_FIELDS).map(fs.json_body),
) | fs.bodies(API_FIELDS)
