"""Forms as crispy-forms' Bootstrap 5 pack draws them, written in Python.

Crispy's templates cost about a millisecond per field: the case page spent more
time drawing its six small forms than running all of its queries. The layouts
stay crispy's (`helper.layout` with Div, Field, Fieldset, InlineRadios); this
module walks them and writes the same elements, classes, ids, labels, errors
and help texts that `{% crispy form %}` writes with bootstrap5/field.html and
its includes, and `WidgetRenderer` writes Django's own widget templates
(input, textarea, select) without going through the template engine.

tests/views/test_form_rendering.py compares both outputs for every Mend form,
unbound and with errors, so a new layout object or widget cannot drift
silently: what this module does not know it refuses (NotImplementedError).
"""

import html

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe


def _escape(value) -> str:
    """conditional_escape without its lazy-string wrapper: it runs per option."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, or ` name` when True."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Django's widget templates, as Python. Each returns exactly what the template
# gives (the template files end in a newline, so does the output).


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_escape(value)}"'
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_escape(value) if value else ''}</textarea>\n"
    )


def _select(widget: dict) -> str:
    out = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_escape(localize(group_name))}">')
        out.extend(
            f'\n  <option value="{_escape(option["value"])}"'
            f"{_attrs(option['attrs'])}>{_escape(localize(option['label']))}"
            "</option>\n"
            for option in options
        )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


WIDGET_TEMPLATES = {
    **{
        f"django/forms/widgets/{name}.html": _input
        for name in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "checkbox",
        )
    },
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer, with the common widgets written in Python.

    A widget whose template is not listed goes through the template engine.
    """

    def render(self, template_name, context, request=None):
        write = WIDGET_TEMPLATES.get(template_name)
        if write is None:
            return super().render(template_name, context, request)
        return write(context["widget"])


# crispy's field.html and its includes ---------------------------------------


def _is(field, *classes) -> bool:
    return isinstance(field.field.widget, classes)


def _widget_class(bf, extra: str, attrs: dict) -> str:
    """The class crispy_field gives: the widget's name, then Bootstrap's."""
    widget = bf.field.widget
    name = type(widget).__name__.lower()
    css = attrs.get("class", widget.attrs.get("class", ""))
    if css:
        if name not in css:
            css += f" {name}"
    else:
        css = name
    tokens = css.split()
    for token in extra.split():
        if token not in tokens:
            css += f" {token}"
            tokens.append(token)
    return css


def _required(bf) -> str:
    return '<span class="asteriskField">*</span>' if bf.field.required else ""


def _errors(bf, tag: str) -> str:
    """field_errors.html (span, crispy's tag) or field_errors_block.html (p)."""
    if not bf.errors:
        return ""
    items = _join(
        f'<{tag} id="error_{number}_{bf.auto_id}"><strong>{_escape(error)}</strong>'
        f"</{tag}>"
        for number, error in enumerate(bf.errors, start=1)
    )
    ident = f"{bf.errors.field_id}_error"
    return f'<div id="{ident}" class="invalid-feedback">{items}</div>'


def _help(bf) -> str:
    if not bf.help_text:
        return ""
    ident = f'id="{bf.auto_id}_helptext" ' if bf.auto_id else ""
    return f'<div {ident}class="form-text">{bf.help_text}</div>'


def _choices(bf, *, inline: bool) -> str:
    """radio_checkbox_select.html: one Bootstrap form-check per choice."""
    widget = bf.field.widget
    id_ = widget.attrs.get("id") or bf.auto_id
    attrs = bf.build_widget_attrs({"id": id_} if id_ else {})
    values = widget.format_value(bf.value())
    invalid = " is-invalid" if bf.errors else ""
    check = "form-check form-check-inline" if inline else "form-check"
    groups = widget.optgroups(bf.html_name, values, attrs)
    out = ["<div >"]
    for group_number, (group, options, _) in enumerate(groups, start=1):
        if group:
            out.append(f"<strong>{_escape(group)}</strong>")
        for number, option in enumerate(options, start=1):
            out.append(f'<div class="{check}">')
            out.append(
                f'<input type="{option["type"]}" class="form-check-input{invalid}" '
                f'name="{_escape(bf.html_name)}" value="{_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>"
            )
            out.append(
                f'<label for="{_escape(option["attrs"].get("id", ""))}" '
                f'class="form-check-label">{_escape(option["label"])}</label>'
            )
            last = number == len(options) and group_number == len(groups)
            if bf.errors and last and not inline:
                out.append(_errors(bf, "p"))
            out.append("</div>")
    out.append("</div>")
    if bf.errors and inline:
        out.append(_errors(bf, "p"))
    out.append(_help(bf))
    return _join(out)


def _join(parts) -> str:
    """Siblings apart by a space, as crispy's templates leave them: between
    inline blocks (inline radios) the space is part of the look."""
    return " ".join(part for part in parts if part)


def _fieldset(described: str) -> str:
    return f'<fieldset aria-describedby="{described}">' if described else "<fieldset>"


def render_field(
    bf,
    *,
    attrs: dict | None = None,
    wrapper_class: str = "",
    inline: bool = False,
    error_tag: str = "span",
) -> str:
    """One field as bootstrap5/field.html (or radioselect_inline.html) draws it."""
    if bf.is_hidden:
        return str(bf)
    attrs = dict(attrs or {})
    checkbox = _is(bf, forms.CheckboxInput)
    choices = _is(bf, forms.RadioSelect, forms.CheckboxSelectMultiple)
    css = "form-check" if checkbox else "mb-3"
    if wrapper_class:
        css += f" {wrapper_class}"
    if bf.css_classes():
        css += f" {bf.css_classes()}"
    out = []
    if inline:
        # radioselect_inline.html: the radios side by side in a fieldset.
        described = bf.aria_describedby
        out.append(f'<div id="div_{bf.auto_id}" class="{css}">')
        if bf.label:
            out.append(_fieldset(described))
            out.append(
                f'<legend for="{bf.id_for_label}"  class=" fs-6 form-label'
                f'{" requiredField" if bf.field.required else ""}">'
                f"{_escape(bf.label)}{_required(bf)}</legend>"
            )
        out.append(_choices(bf, inline=True))
        if bf.label:
            out.append("</fieldset>")
        out.append("</div>")
        return _join(out)
    if checkbox:
        out.append('<div class="mb-3">')
    out.append(f'<div id="div_{bf.auto_id}" class="{css}">')
    fieldset = bf.use_fieldset and bf.label and not checkbox
    if bf.label and not checkbox:
        if fieldset:
            out.append(_fieldset(bf.aria_describedby))
        tag = "legend" if bf.use_fieldset else "label"
        target = f'for="{bf.id_for_label}" ' if bf.id_for_label else ""
        label_css = "form-label" + (" requiredField" if bf.field.required else "")
        label_css += " fs-6" if bf.use_fieldset else ""
        out.append(
            f'<{tag} {target}class="{label_css}">{_escape(bf.label)}{_required(bf)}'
            f"</{tag}>"
        )
    if choices:
        out.append(_choices(bf, inline=False))
    else:
        invalid = " is-invalid" if bf.errors else ""
        if checkbox:
            bootstrap = "form-check-input"
        elif _is(bf, forms.Select):
            bootstrap = "form-select"
        else:
            bootstrap = "form-control"
        attrs["class"] = _widget_class(bf, bootstrap + invalid, attrs)
        out.append(bf.as_widget(attrs=attrs))
        if checkbox:
            out.append(
                f'<label for="{bf.id_for_label}" class="form-check-label'
                f'{" requiredField" if bf.field.required else ""}">'
                f"{_escape(bf.label)}{_required(bf)}</label>"
            )
        out.append(_errors(bf, error_tag))
        out.append(_help(bf))
    if fieldset:
        out.append("</fieldset>")
    out.append("</div>")
    if checkbox:
        out.append("</div>")
    return _join(out)


def _layout(form, item, error_tag: str) -> str:
    if isinstance(item, str):
        return render_field(form[item], error_tag=error_tag)
    if isinstance(item, InlineRadios):
        return _join(
            render_field(
                form[name],
                attrs=item.attrs,
                wrapper_class=item.wrapper_class or "",
                inline=True,
            )
            for name in item.fields
        )
    if type(item) is Field:
        return _join(
            render_field(
                form[name],
                attrs=item.attrs,
                wrapper_class=item.wrapper_class or "",
                error_tag=error_tag,
            )
            for name in item.fields
        )
    if type(item) not in (Layout, Div, Fieldset):
        raise NotImplementedError(
            f"{type(item).__name__} is not drawn by cases.forms.render: "
            "add it there (and to its test) or use crispy's tag for this form."
        )
    inner = _join(_layout(form, child, error_tag) for child in item.fields)
    if type(item) is Layout:
        return inner
    ident = f'id="{item.css_id}"' if item.css_id else ""
    css = f'class="{item.css_class}"' if item.css_class else ""
    if type(item) is Div:
        return f"<div {ident} {css} {item.flat_attrs}>{inner}</div>"
    # crispy renders the legend as a template; Mend's legends are plain text.
    legend = f"<legend>{item.legend}</legend>" if item.legend else ""
    inner = _join([legend, inner])
    return f"<fieldset {ident} {css} {item.flat_attrs}>{inner}</fieldset>"


def render_form(form, *, error_tag: str = "span") -> SafeString:
    """The form as `{% crispy form %}` draws it with form_tag off: errors, fields."""
    out = []
    errors = form.non_field_errors()
    if errors:
        items = "\n".join(f"<li>{_escape(error)}</li>" for error in errors)
        out.append(
            # templates/bootstrap5/errors.html: crispy's, with role="alert".
            f'<div class="alert alert-block alert-danger" role="alert">'
            f'<ul class="m-0">{items}</ul></div>'
        )
    helper = getattr(form, "helper", None)
    layout = getattr(helper, "layout", None)
    if layout is not None:
        out.append(_layout(form, layout, error_tag))
    else:
        out.extend(render_field(bf, error_tag=error_tag) for bf in form)
    return mark_safe(_join(out))  # noqa: S308 - every value is escaped above
