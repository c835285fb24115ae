"""`kubectl explain`: a kind's fields, their types and descriptions, from the server's OpenAPI.

    kubectl explain pods                          the kind and its top-level fields
    kubectl explain pods.spec.containers          one field: its type, description, sub-fields
    kubectl explain deploy.spec --recursive       every field below, names and types only

kubectl asks the API server, not a table of its own: GET /openapi/v3/api/v1 (or
/openapi/v3/apis/<group>/<version>), finds the schema whose x-kubernetes-group-version-kind
is the resource's kind, follows the field path through properties, array items, maps and
`allOf` references, and prints it with kubectl 1.32's plaintext template
(kubectl/pkg/explain/v2/templates/plaintext.tmpl) — rendered here by hand, rule for rule:
descriptions wrapped at 76 columns (78 less the indent for a field's), fields sorted by
name, a type guessed from the schema (`[]Container`, `map[string]string`, `Object`), and
CRDs explained from the schemas their versions declare (the server adds those to its documents).

Left out: --api-version, --output=plaintext-openapiv2, the EXTERNAL DOCS section (no
served schema has one).
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, api_error_message
from .resources import resolve

FLAGS = [flags.Flag("recursive", kind="bool", default=False), flags.Flag("api-version", default=""),
         flags.Flag("output", "o", default="plaintext")]
NO_TYPE = ('error: You must specify the type of resource to explain. Use "kubectl api-resources" for a complete '
           "list of supported resources.")


def explain(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl explain` with `argv` (everything after "explain")."""
    options, args = flags.parse("explain", argv, FLAGS)
    if not args:
        raise KubectlError(NO_TYPE)
    if len(args) > 1:
        raise KubectlError("error: We accept only this format: explain RESOURCE\n"
                           "See 'kubectl explain -h' for help and examples")
    resource_word, *field_path = args[0].split(".")
    try:
        resource = resolve(resource_word)
    except KubectlError as error:   # explain prints the mapper's error bare
        raise KubectlError(error.stderr.removeprefix("error: ")) from None
    path = f"/openapi/v3/apis/{resource.group}/{resource.version}" if resource.group else \
        f"/openapi/v3/api/{resource.version}"
    try:
        document = client.get_path(path)
    except ApiError as error:
        raise KubectlError(api_error_message(error)) from None
    return Explainer(document, options["recursive"]).explain(resource, field_path)


class Explainer:
    """The plaintext template's sub-templates, one method each, over one OpenAPI v3 document."""

    def __init__(self, document: dict, recursive: bool):
        self.document = document
        self.recursive = recursive

    def explain(self, resource, field_path: list[str]) -> str:
        header = (f"GROUP:      {resource.group}\n" if resource.group else "") + \
            f"KIND:       {resource.kind}\nVERSION:    {resource.version}\n\n"
        wanted = {"group": resource.group, "kind": resource.kind, "version": resource.version}
        schema = next((s for s in (self.document.get("components") or {}).get("schemas", {}).values()
                       if wanted in (s.get("x-kubernetes-group-version-kind") or [])), None)
        if schema is None:
            raise KubectlError(f"error: GVK {resource.group}/{resource.version}, Kind={resource.kind} not found "
                               f"in OpenAPI schema", header)
        body = self.output(schema, field_path, {})
        if not body:
            raise KubectlError(f'error: field "{field_path[-1]}" does not exist', header)
        return header + body + "\n"

    def resolve(self, ref: str | None) -> dict | None:
        if not ref or not ref.startswith("#/"):
            return None
        current = self.document
        for key in ref[2:].split("/"):
            current = current.get(key) if isinstance(current, dict) else None
            if current is None:
                return None
        return current

    def output(self, schema: dict, field_path: list[str], history: dict) -> str:
        ref = schema.get("$ref") or ""
        seen_before = bool(ref) and ref in history
        history = {**history, ref: 1}
        resolved = self.resolve(ref) or schema
        if not field_path:
            text = "DESCRIPTION:\n" + indent(wrap(self.description(resolved) or "<empty>", 76), 4) + "\n"
            fields = self.field_list(resolved, 1, {})
            return text + ("FIELDS:\n" + fields if fields else "")
        if seen_before:
            return ""   # a cycle
        properties = resolved.get("properties") or {}
        if field_path[0] in properties:
            subschema = properties[field_path[0]]
            text = ""
            if len(field_path) == 1:
                text = f"FIELD: {field_path[0]} <{self.type_guess(subschema)}>\n" + \
                    self.enum(subschema, long_view=True) + "\n\n"
            return text + self.output(subschema, field_path[1:], {})
        if isinstance(resolved.get("items"), dict):
            return self.output(resolved["items"], field_path, history)
        if isinstance(resolved.get("additionalProperties"), dict):
            return self.output(resolved["additionalProperties"], field_path, history)
        for alternative in resolved.get("allOf") or []:
            found = self.output(alternative, field_path, history)
            if found:
                return found
        return ""

    def field_list(self, schema: dict, level: int, history: dict) -> str:
        ref = schema.get("$ref") or ""
        if ref and ref in history:
            return ""   # a cycle (JSONSchemaProps in a CRD's schema): stop
        history = {**history, ref: 1}
        resolved = self.resolve(ref) or schema
        text = ""
        for name in sorted(resolved.get("properties") or {}):
            text += self.field_detail(name, resolved, level)
            if self.recursive:
                text += self.field_list(resolved["properties"][name], level + 1, history)
        for alternative in resolved.get("allOf") or []:
            text += self.field_list(alternative, level, history)
        if isinstance(resolved.get("items"), dict):
            text += self.field_list(resolved["items"], level, history)
        if isinstance(resolved.get("additionalProperties"), dict):
            text += self.field_list(resolved["additionalProperties"], level, history)
        return text

    def field_detail(self, name: str, schema: dict, level: int) -> str:
        amount = level * 2
        field = schema["properties"][name]
        text = indent(name, amount) + f"\t<{self.type_guess(field)}>"
        if name in (schema.get("required") or []):
            text += " -required-"
        text += self.enum(field, long_view=False, limit=4, indent_amount=amount) + "\n"
        if not self.recursive:
            text += indent(wrap(field.get("description") or "<no description>", 78 - amount), amount + 2) + "\n\n"
        return text

    def description(self, schema: dict) -> str:
        resolved = self.resolve(schema.get("$ref")) or schema
        text = resolved["description"] + "\n" if resolved.get("description") else ""
        for alternative in resolved.get("allOf") or []:
            text += self.description(alternative)
        if isinstance(resolved.get("items"), dict):
            text += self.description(resolved["items"])
        if isinstance(resolved.get("additionalProperties"), dict):
            text += self.description(resolved["additionalProperties"])
        return text

    def type_guess(self, schema: dict) -> str:
        if isinstance(schema.get("items"), dict):
            return "[]" + self.type_guess(schema["items"])
        if isinstance(schema.get("additionalProperties"), dict):
            return "map[string]" + self.type_guess(schema["additionalProperties"])
        if schema.get("allOf") and not schema.get("properties") and len(schema["allOf"]) == 1:
            return self.type_guess(schema["allOf"][0])
        if schema.get("$ref"):
            target = self.resolve(schema["$ref"])
            if not target or not target.get("type") or target["type"] == "object":
                return schema["$ref"].split("/")[-1].split(".")[-1] or "Object"
            return target["type"]
        return "Object" if schema.get("type") == "object" else schema.get("type") or "Object"

    def enum(self, schema: dict, long_view: bool, limit: int = -1, indent_amount: int = 0) -> str:
        values = schema.get("enum")
        if not values:
            return ""
        text = "ENUM:" if long_view else "\n" + " " * indent_amount + "enum: "
        for index, value in enumerate(values):
            if -1 < limit <= index:
                return text + ", ...."
            if long_view:
                text += "\n    "
            elif index:
                text += ", "
            text += '""' if value == "" else str(value)
        return text


def indent(text: str, amount: int) -> str:
    """The template's indent: pad the first line and every line after a newline."""
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def wrap(text: str, limit: int) -> str:
    """go-wordwrap's WrapString: break at spaces so no line passes `limit` (a longer word stays whole)."""
    out, word, space = [], "", ""
    current = 0
    for char in text:
        if char == "\n":
            if not word:
                if current + len(space) <= limit:
                    out.append(space)
            else:
                out.append(space + word)
            space, word, current = "", "", 0
            out.append("\n")
        elif char.isspace() and char != "\u00a0":
            if not space or word:
                current += len(space) + len(word)
                out.append(space + word)
                space, word = "", ""
            space += char
        else:
            word += char
            if current + len(space) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current, space = 0, ""
    if not word:
        if current + len(space) <= limit:
            out.append(space)
    else:
        out.append(space + word)
    return "".join(out)
