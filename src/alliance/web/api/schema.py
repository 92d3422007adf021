"""The error answers every operation can give, added to the OpenAPI schema.

drf-spectacular documents the success answers; clients (and schemathesis)
need the errors too: 400 with the fields that are wrong, 401 without a valid
token, 403 outside the token's scopes or the person's role, 404 for records
the person cannot see, 422 for a reused Idempotency-Key, 429 over the budget.
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Field or parameter name -> what is wrong with it ('detail' for the whole body).",
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}
_ANSWERS = {
    "400": ("The request has wrong values; each field says what.", "FieldErrors"),
    "401": ("No valid token: send Authorization: Bearer <token>.", "ApiError"),
    "403": ("The token's scopes or the person's role do not allow this.", "ApiError"),
    "404": ("No such record among those this person may see.", "ApiError"),
    "429": ("Too many requests for this token; wait and retry.", "ApiError"),
}


def _answer(description: str, schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (see SPECTACULAR_SETTINGS)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ApiError", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in _ANSWERS.items():
                responses.setdefault(code, _answer(description, schema))
            if method == "post" and any(
                p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            ):
                responses.setdefault(
                    "422", _answer("This Idempotency-Key was used for another request.", "ApiError")
                )
    return result
