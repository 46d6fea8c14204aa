"""Challenge forms: shape only (rows, numbers, dates); the rules live in services.check."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.accounts.models import ORG_KIND_LABELS
from tt_platform.challenges import services
from tt_platform.challenges.models import MODE_LABELS, SelectionMode
from tt_platform.database import CHINA
from tt_platform.forms import BaseForm, CodeSelectField, MoneyField, RegionField, choice_list, length, required
from tt_platform.listings.forms import MultiCheckboxField, field_choices


class _Row(FlaskForm):
    class Meta:
        csrf = False  # a sub-form: the enclosing form carries the token

    def is_empty(self) -> bool:
        return not any((f.data if not isinstance(f.data, str) else f.data.strip()) for f in self)


class IndicatorRow(_Row):
    name = StringField(_l("Indicator"), validators=[Optional(), length(200)])
    target = StringField(_l("Target value"), validators=[Optional(), length(200)])
    verification = StringField(_l("How it is verified"), validators=[Optional(), length(300)])


class MilestoneRow(_Row):
    title = StringField(_l("Milestone"), validators=[Optional(), length(200)])
    deliverable = StringField(_l("Deliverable"), validators=[Optional(), length(500)])
    share = IntegerField(_l("Share of the bounty (per cent)"), validators=[Optional(), NumberRange(1, 100)])
    months = IntegerField(_l("Due (months after the start)"), validators=[Optional(), NumberRange(1, 120)])


class CriterionRow(_Row):
    name = StringField(_l("Criterion"), validators=[Optional(), length(200)])
    weight = IntegerField(_l("Weight"), validators=[Optional(), NumberRange(1, 100)])
    max_score = IntegerField(_l("Highest score"), validators=[Optional(), NumberRange(1, 100)])


class RegionsField(SelectMultipleField):
    def pre_validate(self, form):
        if any(code not in taxonomy.regions() for code in self.data or ()):
            raise ValidationError(_l("Choose a region from the list."))


def _kinds():
    return [(k.value, ORG_KIND_LABELS[k]) for k in services.APPLICANT_KINDS]



class ChallengeForm(BaseForm):
    title = StringField(_l("Title"), validators=[required(), length(200, 4)])
    goal = TextAreaField(_l("Goal"), validators=[required(), length(4000, 10)])
    field_code = CodeSelectField(_l("Technology field"), choices_fn=field_choices, validators=[required()])
    region_code = RegionField(_l("Region"))
    bounty_wan = MoneyField(_l("Bounty (万元)"), validators=[required()])
    opens_on = DateField(_l("Applications open (date)"), validators=[required()])
    opens_time = TimeField(_l("at (Beijing time)"), default=dt.time(9, 0), validators=[required()])
    closes_on = DateField(_l("Applications close (date)"), validators=[required()])
    closes_time = TimeField(_l("at (Beijing time)"), default=dt.time(17, 0), validators=[required()])
    eligible_kinds = MultiCheckboxField(_l("Who may apply"), choices=choice_list(_kinds()), validators=[required()])
    eligible_regions = RegionsField(_l("Only from these regions (none chosen: anywhere)"), choices=[])
    verified_only = BooleanField(_l("Verified organisations only"), default=True)
    selection_mode = CodeSelectField(_l("Selection"), choices_fn=lambda: list(MODE_LABELS.items()), blank=False)
    race_teams = IntegerField(_l("赛马: teams funded in parallel"), default=2,
                              validators=[Optional(), NumberRange(2, services.MAX_RACE_TEAMS)])
    indicators = FieldList(FormField(IndicatorRow), min_entries=3, max_entries=services.MAX_ROWS)
    milestones = FieldList(FormField(MilestoneRow), min_entries=3, max_entries=services.MAX_ROWS)
    rubric = FieldList(FormField(CriterionRow), min_entries=4, max_entries=services.MAX_ROWS)

    def validate_bounty_wan(self, field):
        if field.data is not None and field.data.is_finite() and field.data <= 0:
            raise ValidationError(_l("The bounty must be more than zero."))

    def validate_milestones(self, field):
        for entry in field.entries:
            row = entry.form
            if not row.is_empty() and (row.share.data is None or row.months.data is None):
                raise ValidationError(_l("Each milestone needs its share and when it falls due."))

    def validate_rubric(self, field):
        for entry in field.entries:
            row = entry.form
            if not row.is_empty() and (row.weight.data is None or row.max_score.data is None):
                raise ValidationError(_l("Each criterion needs a weight and a highest score."))

    def before_render(self) -> None:
        """Two empty rows below the filled ones in each table, up to the maximum."""
        self.eligible_regions.choices = taxonomy.region_choices()
        for rows in (self.indicators, self.milestones, self.rubric):
            filled = sum(1 for e in rows.entries if not e.form.is_empty())
            while len(rows.entries) < min(filled + 2, services.MAX_ROWS):
                rows.append_entry()

    def load(self, challenge) -> None:
        """The form's values from a stored challenge (the edit page's first view)."""
        opens, closes = challenge.opens_at.astimezone(CHINA), challenge.closes_at.astimezone(CHINA)
        self.process(
            title=challenge.title, goal=challenge.goal, field_code=challenge.field_code,
            region_code=challenge.region_code, bounty_wan=Decimal(challenge.bounty_fen) / services.FEN_PER_WAN,
            opens_on=opens.date(), opens_time=opens.time(), closes_on=closes.date(), closes_time=closes.time(),
            eligible_kinds=challenge.eligible_kinds, eligible_regions=challenge.eligible_regions,
            verified_only=challenge.verified_only, selection_mode=challenge.selection_mode.value,
            race_teams=challenge.race_teams if challenge.selection_mode is SelectionMode.RACE else 2,
            indicators=challenge.indicators, milestones=challenge.milestones, rubric=challenge.rubric)

    def to_data(self, demand_id: int | None = None) -> services.ChallengeData:
        def rows(field_list, make):
            return tuple(make(e.form) for e in field_list.entries if not e.form.is_empty())

        mode = SelectionMode(self.selection_mode.data)
        return services.ChallengeData(
            title=self.title.data, goal=self.goal.data, field_code=self.field_code.data,
            region_code=self.region_code.data, bounty_fen=services.wan_to_fen(self.bounty_wan.data),
            opens_at=dt.datetime.combine(self.opens_on.data, self.opens_time.data, CHINA).astimezone(dt.UTC),
            closes_at=dt.datetime.combine(self.closes_on.data, self.closes_time.data, CHINA).astimezone(dt.UTC),
            indicators=rows(self.indicators, lambda r: services.Indicator(
                r.name.data or "", r.target.data or "", r.verification.data or "")),
            milestones=rows(self.milestones, lambda r: services.MilestoneTemplate(
                r.title.data or "", r.deliverable.data or "", r.share.data, r.months.data)),
            rubric=rows(self.rubric, lambda r: services.Criterion(r.name.data or "", r.weight.data, r.max_score.data)),
            eligible_kinds=tuple(self.eligible_kinds.data or ()),
            eligible_regions=tuple(self.eligible_regions.data or ()),
            verified_only=self.verified_only.data, selection_mode=mode,
            race_teams=(self.race_teams.data or 2) if mode is SelectionMode.RACE else 1, demand_id=demand_id)


class TeamRow(_Row):
    name = StringField(_l("Name"), validators=[Optional(), length(100)])
    role = StringField(_l("Role in the project"), validators=[Optional(), length(100)])
    title = StringField(_l("Title / position"), validators=[Optional(), length(100)])


class ScheduleRow(_Row):
    plan = TextAreaField(_l("What will be delivered, and when"), validators=[Optional(), length(2000)])


class ApplicationForm(BaseForm):
    plan = TextAreaField(_l("Technical plan"), validators=[Optional(), length(20000)])
    budget_wan = MoneyField(_l("Budget (万元)"))
    team = FieldList(FormField(TeamRow), min_entries=3, max_entries=30)
    schedule = FieldList(FormField(ScheduleRow), min_entries=0, max_entries=services.MAX_ROWS)
    result_ids = MultiCheckboxField(_l("Related results of your organisation"), choices=[])

    def validate_team(self, field):
        for entry in field.entries:
            row = entry.form
            if not row.is_empty() and not ((row.name.data or "").strip() and (row.role.data or "").strip()):
                raise ValidationError(_l("Each team member needs a name and a role."))

    def validate_budget_wan(self, field):
        if field.data is not None and field.data.is_finite() and field.data <= 0:
            raise ValidationError(_l("The budget must be more than zero."))

    def prepare(self, challenge, results) -> None:
        """Choices and rows that depend on the challenge: one schedule row per milestone."""
        self.result_ids.choices = choice_list((r.id, r.title) for r in results)
        while len(self.schedule.entries) < len(challenge.milestones):
            self.schedule.append_entry()
        while len(self.schedule.entries) > len(challenge.milestones):
            self.schedule.pop_entry()

    def before_render(self) -> None:
        filled = sum(1 for e in self.team.entries if not e.form.is_empty())
        while len(self.team.entries) < min(filled + 2, 30):
            self.team.append_entry()

    def load(self, application) -> None:
        self.process(plan=application.plan, team=application.team, result_ids=[str(i) for i in application.result_ids],
                     budget_wan=(Decimal(application.budget_fen) / services.FEN_PER_WAN
                                 if application.budget_fen else None),
                     schedule=[{"plan": s} for s in application.schedule])

    def to_data(self) -> services.ApplicationData:
        return services.ApplicationData(
            plan=self.plan.data or "",
            team=tuple(services.TeamMember(e.form.name.data or "", e.form.role.data or "", e.form.title.data or "")
                       for e in self.team.entries if not e.form.is_empty()),
            budget_fen=services.wan_to_fen(self.budget_wan.data) if self.budget_wan.data is not None else None,
            schedule=tuple((e.form.plan.data or "") for e in self.schedule.entries),
            result_ids=tuple(int(v) for v in self.result_ids.data or ()))
