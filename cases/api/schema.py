"""The answers every operation may give besides its success, added to the
schema drf-spectacular draws (a postprocessing hook, its public extension
point), so clients, docs and Schemathesis know them all."""

ERROR = {
    "type": "object",
    "description": (
        "What went wrong, in the pages' words: `detail`, or for bad input each "
        "field's messages under its name."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
WORDS = {
    "400": "Bad input: what to fix",
    "401": "No valid token or session",
    "403": "You may not do this",
    "404": "No such record (or another team's)",
    "409": "The case changed meanwhile, or this key was already used",
    "429": "Too many requests for this token: wait and try again",
}


def error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            # 404 too where no id is taken: a page number past the end.
            codes = ["401", "429", "400", "404"]
            if method != "get":
                codes += ["403", "409"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": WORDS[code], "content": ref})
    return result
