"""WTForms form classes. Limits come from the model's text sizes."""
from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField
from wtforms.fields import SelectChoice, SelectMultipleField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import ListWidget

from .clock import today
from .domain import spec as specs
from .domain.annex import annex_size_problems
from .domain.arrangement import arrangement_problems
from .domain.eba_codes import LICENSED_ACTIVITIES
from .domain.exit import exit_test_problem
from .domain.identity import (
    COUNTRIES,
    code_problems,
    is_currency,
    lei_problem,
    normalise_lei,
    not_countries,
)
from .domain.spec import CODE, LONG, MAX_MONEY, MAX_ROWS, MEDIUM, MONEY_RANGE, SHORT
from .domain.text import clean_text, whole_number
from .domain.vocabulary import (
    CODE_TYPES,
    CRITICALITY,
    DELIVERABLE_KINDS,
    FIELD_LABELS,
    FORM_LABELS,
    IMPACTS,
    PERSON_TYPES,
    ROLES,
    STATUSES,
)
from .fields import (
    BooleanField,
    CheckboxInput,
    DateField,
    DecimalField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)


def choices(vocabulary: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in vocabulary.items()]


class FriendlyDateField(DateField):
    """A date field whose error says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a real date as YYYY-MM-DD, for example 2027-03-31.") from None


class MoneyField(DecimalField):
    """Accepts 250000, 250 000 or 1250.50 up to ``MAX_MONEY``, or nothing; refuses anything
    that is not a number."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validators=[Optional(), NumberRange(
            min=0, max=MAX_MONEY, message=f"Enter an amount {MONEY_RANGE}.")], **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].replace(" ", "").replace("\u00a0", "").replace("_", "")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.data = None
            raise ValueError("Enter a number, for example 250000 or 1250.50.") from None
        if not value.is_finite():
            self.data = None
            raise ValueError("Enter a number, for example 250000 or 1250.50.")
        if value != value.quantize(Decimal("0.01"), rounding="ROUND_DOWN") \
                if abs(value) < Decimal("1e15") else True:
            self.data = None
            raise ValueError("Enter an amount with at most two decimal places.")
        self.data = value


class WholeNumberField(StringField):
    """A whole number between ``lo`` and ``hi``, or nothing; the error says the range."""

    def __init__(self, label=None, lo: int = 0, hi: int = 2**31 - 1, unit: str = "", **kwargs):
        super().__init__(label, **kwargs)
        self.lo, self.hi, self.unit = lo, hi, unit

    def process_formdata(self, valuelist):
        if not valuelist:  # not sent: keep the stored value
            return
        raw = valuelist[0].strip()
        self.raw_text = raw
        self.data = None if not raw else whole_number(raw, self.lo, self.hi)
        if raw and self.data is None:
            unit = f" {self.unit}" if self.unit else ""
            raise ValueError(f"Enter a whole number of{unit} from {self.lo} to {self.hi:,}.")

    def _value(self):
        return getattr(self, "raw_text", None) or ("" if self.data is None else str(self.data))


COUNTRY_CHOICES = (SelectChoice("", "Not recorded"), *(
    SelectChoice(code, f"{name} ({code})")
    for code, name in sorted(COUNTRIES.items(), key=lambda item: item[1])))


class CountryField(SelectField):
    """An ISO 3166-1 alpha-2 country, picked by name (the API sends the code)."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.choices = list(COUNTRY_CHOICES)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0].strip().upper()

    def pre_validate(self, form):
        if self.data and self.data not in COUNTRIES:
            raise ValidationError(not_countries([self.data]) + ".")


class CodeField(SelectField):
    """A choice from a fixed vocabulary; an unknown code is named with the ones allowed (or,
    for a long list, told by ``unknown``)."""

    def __init__(self, label=None, unknown: str = "", **kwargs):
        super().__init__(label, **kwargs)
        self.unknown = unknown

    def pre_validate(self, form):
        allowed = [c[0] if isinstance(c, tuple) else c.value for c in self.choices]
        if self.data is None and "" in allowed:
            self.data = ""
        if self.data not in allowed:
            codes = ", ".join(code for code in allowed if code)
            raise ValidationError(self.unknown or f"Must be one of: {codes}.")


class CodesField(SelectMultipleField):
    """Some codes of a vocabulary, as checkboxes; an unknown code is named with the allowed."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = [c.value if isinstance(c, SelectChoice) else c[0] for c in self.choices]
        unknown = [v for v in self.data or [] if v not in allowed]
        if unknown:
            raise ValidationError(f"Must be some of: {', '.join(allowed)}.")


class CountriesField(StringField):
    """ISO 3166-1 alpha-2 codes typed as "IE, DE" (any case, commas or spaces)."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.raw_text = valuelist[0]
            self.data = tuple(dict.fromkeys(
                code.upper() for code in valuelist[0].replace(",", " ").split()))

    def _value(self):
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return ", ".join(self.data or ())

    def pre_validate(self, form):
        unknown = [code for code in self.data or () if code not in COUNTRIES]
        if unknown:
            raise ValidationError(not_countries(unknown) + ".")


class NamesField(TextAreaField):
    """Names, one per line."""

    def process_formdata(self, valuelist):
        if valuelist:
            lines = (clean_text(line)[:SHORT] for line in valuelist[0].splitlines())
            self.data = tuple(line for line in lines if line)

    def _value(self):
        return "\n".join(self.data or ())


def not_in_future(message: str):
    def check(form, field):
        if field.data and field.data > today():
            raise ValidationError(message)
    return check


def optional_email(form, field):
    if field.data and field.data.strip():
        Email(message="Enter an e-mail address such as name@example.org.")(form, field)


def text(label: str, limit: int, **kwargs) -> StringField:
    return StringField(label, validators=[Length(max=limit)], filters=[_strip], **kwargs)


def _strip(value):
    """Trim and clean text; a field missing from the submission counts as empty text."""
    if value is None:
        return ""
    return clean_text(value) if isinstance(value, str) else value


def valid_lei(form, field):
    if field.data:
        problem = lei_problem(field.data)
        if problem:
            raise ValidationError(problem)


def lei_field(description: str) -> StringField:
    """An LEI (ISO 17442), optional: spaces taken out, capitals, check digits checked."""
    return StringField("LEI", validators=[Length(max=40), valid_lei],
                       filters=[_strip, lambda v: normalise_lei(v) if v else v],
                       description=description)


def iso_currency(form, field):
    if field.data and not is_currency(field.data):
        raise ValidationError("Enter a three-letter ISO 4217 currency code, such as EUR.")


def currency_field(label: str, description: str) -> StringField:
    """An ISO 4217 currency code, optional, in capitals."""
    return StringField(label, validators=[Length(max=3), iso_currency],
                       filters=[_strip, lambda v: v.upper() if v else v],
                       description=description)


class RowForm(Form):
    """A repeatable row; a row left completely blank is ignored."""

    #: the field that names the row: required once anything in the row is filled in
    name_field = "name"

    def is_blank(self) -> bool:
        return all(
            not (f.data.strip() if isinstance(f.data, str) else f.data)
            for f in self
            if f.name.rsplit("-", 1)[-1] not in ("id", "kind")
        )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        named = self[self.name_field]
        if not (named.data or "").strip():
            named.errors = [*named.errors, f"Give this row a {named.label.text.lower()}."]
            ok = False
        return ok


class PersonForm(RowForm):
    name = text("Name", SHORT)
    email = StringField("E-mail", validators=[Length(max=254), optional_email],
                        filters=[_strip])


class MetricForm(RowForm):
    name = text("Metric", SHORT)
    baseline = text("Baseline", SHORT)
    target = text("Target", SHORT)
    unit = text("Unit", SHORT)
    measurement = text("How it is measured", MEDIUM)


class ConstraintForm(RowForm):
    name_field = "text"
    text = text("Constraint", MEDIUM)


class TradeoffForm(RowForm):
    name_field = "rule"
    rule = text("Rule", MEDIUM)
    decided_by = text("Who decides", SHORT)


class DeliverableForm(RowForm):
    name_field = "title"
    id = HiddenField()
    kind = SelectField("Kind", choices=choices(DELIVERABLE_KINDS),
                       default="documentation")
    title = text("Title", SHORT)
    due_date = FriendlyDateField("Due date", validators=[Optional()])
    acceptance_criteria = TextAreaField("Acceptance criteria", validators=[Length(max=LONG)],
                                        filters=[_strip])


SECTIONS = {
    "metrics": MetricForm,
    "constraints": ConstraintForm,
    "tradeoffs": TradeoffForm,
    "successors": PersonForm,
    "upskilling": PersonForm,
    "deliverables": DeliverableForm,
}


class RowList(FieldList):
    """A FieldList that ignores row indices that are not plain small numbers ("metrics-²-…")
    and refuses more than ``limit`` filled rows with a message by the section, keeping every
    row typed (a plain FieldList with ``max_entries`` drops the rest without a word)."""

    def __init__(self, *args, limit: int = MAX_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.limit_error = ""  # shown above the rows: too many of them, or the annex too big
        self.count_error = ""  # too many rows alone (the API reports the size bound apart)

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = whole_number(key[offset:].split("-", 1)[0], 0, 100_000)
                if index is not None:
                    yield index

    def validate(self, form, extra_validators=()):
        ok = super().validate(form, extra_validators)
        filled = sum(1 for entry in self.entries if not entry.form.is_blank())
        self.limit_error = ""
        if filled > self.limit:
            self.limit_error = (f"At most {self.limit} rows fit in this section and it has "
                                f"{filled}; nothing was saved. Remove some rows or split the "
                                "engagement.")
        self.count_error = self.limit_error
        return ok and not self.limit_error


def rows(form_class) -> FieldList:
    return RowList(FormField(form_class), min_entries=0)


def label(name: str) -> str:
    """What the form calls a spec field (the vocabulary's label, or its question)."""
    return FORM_LABELS.get(name) or FIELD_LABELS[name]


class EngagementForm(FlaskForm):
    """The spec form. Fields of :data:`~vendortrack.domain.spec.SCALAR_FIELDS` not declared
    here are added from that table by :func:`_add_table_fields`."""

    title = StringField(label("title"), validators=[
        DataRequired("Give the engagement a title."), Length(max=SHORT)], filters=[_strip])
    vendor = text(label("vendor"), SHORT, description=specs.FIELDS_BY_NAME["vendor"].help)
    contract_reference = text(label("contract_reference"), 100)
    contract_value = MoneyField(label("contract_value"))
    currency = currency_field(label("currency"), specs.FIELDS_BY_NAME["currency"].help)
    status = SelectField(label("status"), choices=choices(STATUSES), default="draft")
    start_date = FriendlyDateField(label("start_date"), validators=[Optional()])
    end_date = FriendlyDateField(label("end_date"), validators=[Optional()])
    handover_date = FriendlyDateField(
        label("handover_date"), validators=[Optional()],
        description=specs.FIELDS_BY_NAME["handover_date"].help)
    problem_statement = TextAreaField(
        label("problem_statement"), validators=[Length(max=LONG)], filters=[_strip],
        description=specs.FIELDS_BY_NAME["problem_statement"].help)
    core_capability = BooleanField(label("core_capability"))
    owner_name = text(label("internal_owner"), SHORT,
                      description=specs.FIELDS_BY_NAME["internal_owner"].help)
    owner_email = StringField("Owner's e-mail", validators=[Length(max=254), optional_email],
                              filters=[_strip])
    metrics = rows(MetricForm)
    constraints = rows(ConstraintForm)
    tradeoffs = rows(TradeoffForm)
    successors = rows(PersonForm)
    upskilling = rows(PersonForm)
    deliverables = rows(DeliverableForm)
    version = HiddenField()

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date cannot be before the start date.")

    def validate_owner_name(self, field):
        if not field.data and self.owner_email.data:
            raise ValidationError("Give the internal owner's name as well as the e-mail.")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        problems = self._exit_test_problems()
        spec = self.to_spec()
        contradictions = self._arrangement_problems(spec)
        #: messages keyed by JSON path for limits of the whole annex (the API reports them)
        self.limit_errors = self._annex_size_problems(spec)
        return ok and not problems and not contradictions and not self.limit_errors

    def _arrangement_problems(self, spec: specs.Spec) -> dict:
        problems = arrangement_problems(spec)
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]
        return problems

    def _exit_test_problems(self) -> dict:
        plan = self.exit_plan.form
        problems = exit_test_problem(plan.last_tested_on.data, plan.next_review_on.data,
                                     today())
        for name, message in problems.items():
            plan[name].errors = [*plan[name].errors, message]
        return problems

    def _annex_size_problems(self, spec: specs.Spec) -> dict:
        problems = annex_size_problems(specs.to_json(spec),
                                       current_app.config["ANNEX_MAX_CHARACTERS"])
        for path, messages in problems.items():
            field = getattr(self, "owner_name" if path == "internal_owner" else path)
            if isinstance(field, FieldList):
                # shown above the section's rows, after a too-many-rows message if any
                field.limit_error = " ".join(filter(None, [field.limit_error, *messages]))
            else:
                field.errors = [*field.errors, *messages]
        return problems

    def filled_rows(self, section: str) -> list:
        return [entry.form for entry in getattr(self, section) if not entry.form.is_blank()]

    def _scalar(self, spec_field: specs.SpecField):
        if spec_field.kind == "person":
            if not (self.owner_name.data or self.owner_email.data):
                return None
            return specs.Person(self.owner_name.data or "", (self.owner_email.data or "").lower())
        data = self[spec_field.name].data
        return _typed(spec_field, data)

    def to_spec(self) -> specs.Spec:
        """The spec as typed; deliverable statuses are empty (the form does not change them:
        :func:`vendortrack.services.carry_over` keeps each row's own)."""

        def people(section):
            return tuple(specs.Person(r.name.data, (r.email.data or "").lower())
                         for r in self.filled_rows(section))

        return specs.Spec(
            **{f.name: self._scalar(f) for f in specs.SCALAR_FIELDS},
            successors=people("successors"),
            upskilling=people("upskilling"),
            metrics=tuple(
                specs.Metric(r.name.data, r.baseline.data, r.target.data, r.unit.data,
                             r.measurement.data)
                for r in self.filled_rows("metrics")),
            constraints=tuple(r.text.data for r in self.filled_rows("constraints")),
            tradeoffs=tuple(specs.Tradeoff(r.rule.data, r.decided_by.data)
                            for r in self.filled_rows("tradeoffs")),
            deliverables=tuple(
                specs.Deliverable(r.kind.data, r.title.data, r.due_date.data,
                                  r.acceptance_criteria.data or "", "")
                for r in self.filled_rows("deliverables")),
        )

    @staticmethod
    def data_for(spec: specs.Spec, deliverable_ids: list[int]) -> dict:
        """``spec`` shaped as the form's data (to edit it)."""
        data: dict = {}
        for spec_field in specs.SCALAR_FIELDS:
            value = getattr(spec, spec_field.name)
            if spec_field.kind == "person":
                data["owner_name"] = value.name if value else ""
                data["owner_email"] = value.email if value else ""
            else:
                data[spec_field.name] = value
        for section in ("metrics", "tradeoffs", "successors", "upskilling"):
            data[section] = [asdict(row) for row in getattr(spec, section)]
        data["constraints"] = [{"text": c} for c in spec.constraints]
        data["deliverables"] = [
            {"id": str(i), "kind": d.kind, "title": d.title, "due_date": d.due_date,
             "acceptance_criteria": d.acceptance_criteria}
            for i, d in zip(deliverable_ids, spec.deliverables, strict=True)]
        return data

    def deliverable_ids(self) -> list[int | None]:
        """The ids of the deliverable rows as sent; an id sent twice counts only once."""
        out, seen = [], set()
        for r in self.filled_rows("deliverables"):
            number = whole_number(r.id.data)
            out.append(number if number not in seen else None)
            seen.add(number)
        return out


def _typed(spec_field: specs.SpecField, data):
    """A form field's data as the spec holds it."""
    kind = spec_field.kind
    if kind in ("vendor", "function"):
        return " ".join((data or "").split())
    if kind == "object":
        return specs.object_value({part.name: _typed(part, (data or {}).get(part.name))
                                   for part in spec_field.subfields()})
    if kind == "bool":
        return bool(data)
    if kind in specs.LIST_KINDS:
        return tuple(data or ())
    if kind == "choice" and spec_field.nullable:
        return data or None
    return data or "" if spec_field.empty == "" else data


def _form_field(spec_field: specs.SpecField):
    """A form field for a spec field described only in the table."""
    name, kind, limit = spec_field.name, spec_field.kind, spec_field.limit
    help_text = spec_field.help
    if kind in ("text", "function"):
        return text(label(name), limit or SHORT, description=help_text)
    if kind == "longtext":
        return TextAreaField(label(name), validators=[Length(max=limit)], filters=[_strip],
                             description=help_text)
    if kind == "date":
        return FriendlyDateField(label(name), validators=[Optional()], description=help_text)
    if kind == "bool":
        return BooleanField(label(name), description=help_text)
    if kind == "integer":
        return WholeNumberField(label(name), hi=limit or 2**31 - 1,
                                unit="days" if limit == specs.DAYS else "",
                                description=help_text)
    if kind == "money":
        return MoneyField(label(name), description=help_text)
    if kind == "country":
        return CountryField(label(name), description=help_text)
    if kind == "choice":
        empty = [SelectChoice("", spec_field.blank)] if spec_field.nullable else []
        return CodeField(label(name), choices=empty + choices(spec_field.choices),
                         default="" if spec_field.nullable else spec_field.empty,
                         description=help_text)
    if kind == "codes":
        return CodesField(label(name), choices=choices(spec_field.choices),
                          description=help_text)
    if kind == "countries":
        return CountriesField(label(name), description=help_text)
    if kind == "names":
        return NamesField(label(name), description=help_text)
    if kind == "object":
        parts = type(f"{name}_parts", (Form,), {
            part.name: _form_field(replace(part, name=f"{name}.{part.name}"))
            for part in spec_field.subfields()})
        return FormField(parts, label(name), description=help_text)
    raise ValueError(f"no form field for a {kind} spec field")


def _add_table_fields(form_class) -> None:
    for spec_field in specs.SCALAR_FIELDS:
        if spec_field.kind != "person" and not hasattr(form_class, spec_field.name):
            setattr(form_class, spec_field.name, _form_field(spec_field))


_add_table_fields(EngagementForm)


class LoginForm(FlaskForm):
    email = StringField("E-mail", validators=[InputRequired("Enter your e-mail address."),
                                              Length(max=254)], filters=[_strip])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."),
                                                     Length(max=1024)])


PASSWORD_RULES = [Length(min=12, max=1024, message="Use at least 12 characters.")]


class UserFields(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."),
                                           Length(max=SHORT)], filters=[_strip])
    email = StringField("E-mail", validators=[
        DataRequired("Enter an e-mail address."), Length(max=254),
        Email(message="Enter an e-mail address such as name@example.org.")], filters=[_strip])


class SetupForm(UserFields):
    password = PasswordField("Password", validators=[InputRequired("Choose a password."),
                                                     *PASSWORD_RULES])
    confirm = PasswordField("Repeat the password", validators=[
        EqualTo("password", message="The two passwords differ.")])


class UserCreateForm(SetupForm):
    role = SelectField("Role", choices=choices(ROLES), default="product_owner")


class UserEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."),
                                           Length(max=SHORT)], filters=[_strip])
    role = SelectField("Role", choices=choices(ROLES))
    active = BooleanField("Active (may sign in)")
    break_glass = BooleanField(
        "Break-glass account", description="May still sign in with a password when password "
        "sign-in is turned off, so that a broken identity provider never locks everyone out.")
    password = PasswordField("New password", validators=[Optional(), *PASSWORD_RULES],
                             description="Leave empty to keep the current password.")


def code_text(label: str, description: str) -> StringField:
    """An identification code: spaces at the ends and inside kept out of the way."""
    return StringField(label, validators=[Length(max=CODE)],
                       filters=[_strip, lambda v: " ".join(v.split()) if v else v],
                       description=description)


def code_type_field(label: str) -> CodeField:
    return CodeField(label, choices=[SelectChoice("", "Not recorded")] + choices(CODE_TYPES),
                     default="")


class VendorForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the vendor a name."),
                                           Length(max=SHORT)], filters=[_strip])
    contact = TextAreaField("Contact", validators=[Length(max=MEDIUM)], filters=[_strip],
                            description="Who to call, with e-mail and phone.")
    notes = TextAreaField("Notes", validators=[Length(max=LONG)], filters=[_strip])
    legal_name = text("Legal name", SHORT,
                      description="As registered, e.g. “Northwind Analytics Ltd”.")
    lei = lei_field("The 20-character Legal Entity Identifier (ISO 17442), if the provider "
                    "has one.")
    country = CountryField("Head-office country")
    person_type = CodeField(
        "Type of person", choices=[SelectChoice("", "Not recorded")] + choices(PERSON_TYPES),
        default="", description="Most vendors are companies; a sole trader is an individual.")
    other_code = code_text(
        "Other identification code",
        description="For a vendor without an LEI (or as well as it): its EUID, VAT number or "
                    "company registration number.")
    other_code_type = code_type_field("Type of the other code")
    parent_code = code_text(
        "Ultimate parent's identification code",
        description="The code of the group's top company, if the vendor belongs to a group: "
                    "its LEI where it has one.")
    parent_code_type = code_type_field("Type of the ultimate parent's code")

    TEXT = ("name", "contact", "notes", "legal_name", "lei", "country", "other_code",
            "parent_code")
    CHOICES = ("person_type", "other_code_type", "parent_code_type")

    def values(self) -> dict:
        """The fields as the service stores them."""
        return {**{key: self[key].data or "" for key in self.TEXT},
                **{key: self[key].data or None for key in self.CHOICES}}

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for code, code_type in (("other_code", "other_code_type"),
                                ("parent_code", "parent_code_type")):
            if self[code].errors or self[code_type].errors:
                continue
            if self[code_type].data == "lei":
                self[code].data = normalise_lei(self[code].data or "")
            problems = code_problems(self[code].data or "", self[code_type].data or None)
            for key, message in problems.items():
                field = self[code if key == "code" else code_type]
                field.errors = [*field.errors, message]
                ok = False
        return ok


class BusinessFunctionForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the business function a name."),
                                           Length(max=SHORT)], filters=[_strip],
                       description="What the organisation does, e.g. “Customer payments”.")
    criticality = CodeField(
        "Criticality", choices=choices(CRITICALITY), default="not_assessed",
        description="Critical or important: its disruption would materially impair the "
                    "organisation's performance, soundness or compliance.")
    criticality_reasons = TextAreaField("Reasons", validators=[Length(max=LONG)],
                                        filters=[_strip],
                                        description="Why the function is or is not critical.")
    assessed_on = FriendlyDateField(
        "Last assessed on", validators=[
            Optional(), not_in_future("The assessment date cannot be in the future.")])
    rto_hours = WholeNumberField("Recovery time objective (hours)", hi=87_600, unit="hours",
                                 description="How long the function may be down.")
    rpo_hours = WholeNumberField("Recovery point objective (hours)", hi=87_600, unit="hours",
                                 description="How much data, in hours of work, may be lost.")
    impact = CodeField("Impact of discontinuing",
                         choices=[SelectChoice("", "Not assessed")] + choices(IMPACTS),
                         default="")
    licensed_activity = CodeField(
        "Licensed activity",
        choices=[SelectChoice("", "Not recorded")] + [
            SelectChoice(code, name) for code, name in
            sorted(LICENSED_ACTIVITIES.items(), key=lambda item: item[1].casefold())],
        default="",
        description="Optional: the licensed or authorised activity the function serves, as the "
                    "EBA lists them (e.g. “Payment services”).",
        unknown="Choose a licensed activity from the EBA's list, or leave it empty.")

    def values(self) -> dict:
        """The fields as the service stores them."""
        return {"name": self.name.data, "criticality": self.criticality.data,
                "criticality_reasons": self.criticality_reasons.data or "",
                "assessed_on": self.assessed_on.data, "rto_hours": self.rto_hours.data,
                "rpo_hours": self.rpo_hours.data, "impact": self.impact.data or None,
                "licensed_activity": self.licensed_activity.data or ""}


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired("Name the token."),
                                                 Length(max=SHORT)], filters=[_strip],
                       description="What it is for, e.g. “HR system sync”.")
    expires = SelectField("Expires", choices=choices({
        "30": "in 30 days", "90": "in 90 days", "365": "in 1 year", "never": "never"}),
                          description="A token that expires stops working by itself.")
    # Required unless a recent single sign-on confirms who you are (vendortrack.auth.confirm).
    password = PasswordField("Your password", validators=[Length(max=1024)],
                             description="Asked again because a token acts as you.")

    def days(self) -> int | None:
        return None if self.expires.data == "never" else int(self.expires.data)


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[
        InputRequired("Enter your current password."), Length(max=1024)])
    password = PasswordField("New password", validators=[
        InputRequired("Choose a new password."), *PASSWORD_RULES])
    confirm = PasswordField("Repeat the new password", validators=[
        EqualTo("password", message="The two passwords differ.")])
