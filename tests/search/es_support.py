"""Testing the Elasticsearch backend without a server, honestly.

1. The real `elasticsearch` client runs end to end over `RecordingNode`, a transport node that
   records each request (method, path, body) and answers with small canned JSON responses.
2. `SpecValidator` checks every recorded body against the official Elasticsearch API specification
   (OpenAPI, tests/data/), made strict: objects are closed (an unknown or misspelled key fails),
   `allOf` parts are merged before closing, `oneOf` is read as `anyOf`. Bulk action lines are
   checked against the closed operation container, and every field a body names must exist in the
   mapping the backend sent.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node._base import NodeApiResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "elasticsearch-serverless-openapi.json"

#: Stack-only index settings absent from the serverless spec: allowed here with their types.
STACK_SETTINGS = {"number_of_shards": int, "number_of_replicas": int, "refresh_interval": str}
#: Schemas whose extra keys are field names (`{"term": {"<field>": …}}`): left open, checked by
#: the field-name check instead.
OPEN_SCHEMAS = {
    "_types.query_dsl.TermsQuery", "_types.query_dsl.DecayFunction", "_types.query_dsl.DecayFunctionBase",
    "_types.Metadata", "_types.query_dsl.GeoDistanceQuery", "_types.query_dsl.GeoBoundingBoxQuery",
    "_types.query_dsl.GeoShapeQuery", "_types.query_dsl.GeoPolygonQuery", "_types.query_dsl.DateDecayFunction",
    "_types.query_dsl.NumericDecayFunction", "_types.query_dsl.GeoDecayFunction",
    "_types.query_dsl.UntypedDecayFunction", "_types.query_dsl.ShapeQuery", "_types.SortOptions",
}


class SpecValidator:
    def __init__(self, path: Path = SPEC_PATH):
        raw = json.loads(path.read_text(encoding="utf-8"))
        self.spec = raw
        self.schemas = raw["components"]["schemas"]
        strict = copy.deepcopy(raw)
        self._merged: dict[str, dict] = {}
        strict["components"]["schemas"] = {name: self._close(name, schema) for name, schema in self.schemas.items()}
        self.strict = strict
        self.registry = Registry().with_resource("urn:es", Resource(contents=strict, specification=DRAFT202012))

    # --- making the spec strict -------------------------------------------------------------------
    def _deref(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].split("/")[-1]]
        return schema

    def _properties(self, schema: dict) -> dict:
        """All properties of a schema, following $ref and allOf."""
        schema = self._deref(schema)
        props = dict(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            props.update(self._properties(part))
        return props

    def _close(self, name: str | None, schema):
        if isinstance(schema, list):
            return [self._close(None, s) for s in schema]
        if not isinstance(schema, dict):
            return schema
        out = {}
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs"):
                out[key] = {k: self._close(None, v) for k, v in value.items()}
            elif key == "oneOf":
                out["anyOf"] = [self._close(None, v) for v in value]
            elif key in ("items", "additionalProperties", "not") or key in ("anyOf", "allOf"):
                out[key] = self._close(None, value)
            else:
                out[key] = value
        if "allOf" in out and len(schema["allOf"]) == 1 and "properties" not in out:
            # `{"allOf": [{"$ref": X}], "description": …}` is just a reference with a description
            out.update(out.pop("allOf")[0])
        elif "allOf" in out and all(self._properties(p) or "$ref" in p or p.get("type") == "object"
                                    for p in schema["allOf"]):
            # merge parts so that closing one part does not reject the others' keys
            props = {}
            required: list[str] = []
            for part in schema["allOf"]:
                # Property schemas of referenced parts are mostly $refs, which resolve to the closed
                # named schemas; closing them again here would recurse through recursive types.
                props.update(self._properties(part))
                required += self._deref(part).get("required", [])
            props.update(out.get("properties", {}))
            out.pop("allOf")
            out["type"] = "object"
            out["properties"] = props
            if required:
                out["required"] = sorted(set(required) | set(out.get("required", [])))
        if "properties" in out and "additionalProperties" not in out and name not in OPEN_SCHEMAS:
            out["additionalProperties"] = False
        return out

    # --- validation ---------------------------------------------------------------------------------
    def body_schema(self, method: str, template: str) -> dict:
        operation = self.spec["paths"][template][method.lower()]
        body = operation["requestBody"]
        if "$ref" in body:
            body = self.spec["components"]["requestBodies"][body["$ref"].split("/")[-1]]
        schema = self._close(None, body["content"]["application/json"]["schema"])  # close the body itself too
        return json.loads(json.dumps(schema).replace('"#/components', '"urn:es#/components'))

    def validate(self, method: str, template: str, body: dict) -> None:
        """Raise jsonschema.ValidationError if `body` is not a valid request body for the operation."""
        body = copy.deepcopy(body)
        settings = body if template.endswith("/_settings") else body.get("settings")
        if isinstance(settings, dict):
            self._check_stack_settings(settings)
        validator = jsonschema.Draft202012Validator(self.body_schema(method, template), registry=self.registry)
        error = jsonschema.exceptions.best_match(validator.iter_errors(body))
        if error is not None:
            raise error

    def _check_stack_settings(self, settings: dict) -> None:
        for target in (settings, settings.get("index", {})):
            for key, kind in STACK_SETTINGS.items():
                if key in target:
                    if not isinstance(target[key], kind):
                        raise jsonschema.ValidationError(f"settings.{key} must be {kind.__name__}")
                    target.pop(key)

    def validate_bulk_line(self, action: dict) -> None:
        schema = {"$ref": "urn:es#/components/schemas/_global.bulk.OperationContainer"}
        validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
        error = jsonschema.exceptions.best_match(validator.iter_errors(action))
        if error is not None:
            raise error
        if len(action) != 1:
            raise jsonschema.ValidationError(f"a bulk action line has exactly one operation, got {list(action)}")


def mapping_fields(mappings: dict) -> set[str]:
    """Every field path of a mapping, sub-fields included ('title', 'title.bigram')."""
    out: set[str] = set()

    def walk(props: dict, prefix: str) -> None:
        for name, spec in props.items():
            path = prefix + name
            out.add(path)
            for sub in spec.get("fields", {}):
                out.add(f"{path}.{sub}")
            walk(spec.get("properties", {}), path + ".")

    walk(mappings.get("properties", {}), "")
    return out


FIELD_KEYS = ("term", "terms", "range", "match", "match_phrase", "prefix", "exists")


def named_fields(body) -> set[str]:
    """Field names a search body refers to: leaf queries, sorts, aggregations, _source."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in FIELD_KEYS and isinstance(value, dict) and "field" not in value:
                    found.update(k for k in value if k not in ("boost", "_name"))
                elif key == "field" and isinstance(value, str):
                    found.add(value)
                elif key == "fields" and isinstance(value, list):
                    found.update(v.split("^")[0] for v in value if isinstance(v, str))
                elif key == "sort" and isinstance(value, list):
                    for item in value:
                        found.update(item if isinstance(item, dict) else [item])
                if key != "_source":
                    walk(value)
            if isinstance(node.get("_source"), list):
                found.update(node["_source"])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return found


class RecordingNode(BaseNode):
    """A transport node that records requests and answers from `RecordingNode.responder`."""

    _CLIENT_META_HTTP_CLIENT = ("rec", "1.0")
    requests: list[tuple[str, str, object]] = []
    responder = None

    def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
        path = target.split("?")[0]
        if body and path.endswith("/_bulk"):
            parsed = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        else:
            parsed = json.loads(body) if body else None
        RecordingNode.requests.append((method, target, parsed))
        status, payload = type(self).responder(method, path, parsed)
        meta = ApiResponseMeta(status=status, http_version="1.1",
                               headers=HttpHeaders({"x-elastic-product": "Elasticsearch",
                                                    "content-type": "application/json"}),
                               duration=0.0, node=self.config)
        return NodeApiResponse(meta, json.dumps(payload).encode() if payload is not None else b"")


def client(responder):
    from elasticsearch import Elasticsearch

    RecordingNode.requests = []
    RecordingNode.responder = staticmethod(responder)
    return Elasticsearch("http://127.0.0.1:9200", node_class=RecordingNode)


TEMPLATES = [
    ("PUT", re.compile(r"^/_synonyms/[^/]+$"), "/_synonyms/{id}"),
    ("POST", re.compile(r"^/_aliases$"), "/_aliases"),
    ("PUT", re.compile(r"^/[^_/][^/]*/_settings$"), "/{index}/_settings"),
    ("PUT", re.compile(r"^/[^_/][^/]*$"), "/{index}"),
    ("POST", re.compile(r"^/[^_/][^/]*/_search$"), "/{index}/_search"),
    ("POST", re.compile(r"^/[^_/][^/]*/_count$"), "/{index}/_count"),
]


def template_for(method: str, target: str) -> str | None:
    path = target.split("?")[0]
    for m, pattern, template in TEMPLATES:
        if m == method and pattern.match(path):
            return template
    return None
