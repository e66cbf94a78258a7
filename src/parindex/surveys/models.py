"""Sociological and satisfaction surveys (điều tra xã hội học, SIPAS): questionnaire, respondents,
one-time links, online and paper responses, double-entry check.

One ``Survey`` carries one questionnaire (its title, e.g. "Phiếu 01: đại biểu HĐND đánh giá UBND
cấp xã", and its ``Question`` rows grouped by area, each with ``Option`` rows and weights, mapped
to a survey leaf of the framework). A province that runs several questionnaires creates several
surveys on the same round; each feeds the leaves its questions map to.

Roles (``surveys.access``): the **survey operator** is an index manager of the survey's owner unit
or of an ancestor (admins too). Only operators see raw answers and respondents; members of an
assessed unit see the aggregates of their own unit once the survey is approved; other units see
nothing (404).

Personal data kept: the respondent's unit, group, sex, age band, position and — only if the link
is sent to them — a contact (phone / e-mail). ``purge_personal_data`` (and the command
``parindex purge_survey_personal_data``, honouring ``retention_days`` after the close) blanks the
contact, position and external reference and kills the links; answers stay, anonymous.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parindex.units.visibility import NOBODY, ScopedQuerySet, scope_for

POINTS = {"max_digits": 9, "decimal_places": 4}


def hash_token(token: str) -> str:
    """Only the SHA-256 of a link token is stored: a database leak does not open the links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SurveyQuerySet(ScopedQuerySet):
    scope_lookup = "owner_unit"

    def visible_to(self, user):
        """Surveys the user operates or oversees (owner unit in scope), and approved surveys of
        which one assessed unit is in the user's data scope (aggregates of that unit only)."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self
        assessed = SurveyUnit.objects.filter(scope.q("unit")).values("survey_id")
        return self.filter(scope.q("owner_unit") | Q(pk__in=assessed, status=Survey.Status.APPROVED))


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey status", "Draft")
        OPEN = "open", pgettext_lazy("survey status", "Open")
        CLOSED = "closed", pgettext_lazy("survey status", "Closed")
        APPROVED = "approved", pgettext_lazy("survey status", "Approved")

    class TargetGroup(models.TextChoices):
        CITIZENS = "citizens", _("Citizens")
        BUSINESSES = "businesses", _("Businesses")
        OFFICIALS = "officials", _("Officials and civil servants")
        LEADERS = "leaders", _("Leaders and managers")
        DEPUTIES = "deputies", _("People's Council deputies")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    questionnaire_title = models.CharField(
        _("questionnaire"), max_length=255, blank=True, help_text=_("e.g. Phiếu 01: đại biểu HĐND đánh giá UBND cấp xã")
    )
    intro = models.TextField(_("introduction for respondents"), blank=True)
    year = models.PositiveIntegerField(_("year"))
    owner_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="owned_surveys", verbose_name=_("managing unit")
    )
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("criteria framework")
    )
    round = models.ForeignKey(
        "assessments.Round", on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys",
        verbose_name=_("assessment round"), help_text=_("The round whose survey criteria the approved results feed."),
    )
    target_group = models.CharField(_("target group"), max_length=12, choices=TargetGroup.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    deadline = models.DateTimeField(_("deadline"))
    margin = models.DecimalField(
        _("margin of error"), max_digits=5, decimal_places=4, default=0.05,
        help_text=_("e in n = N / (1 + N·e²); 0.05 = 5 %."),
    )
    seed = models.CharField(_("random seed"), max_length=64, help_text=_("The same seed draws the same sample."))
    retention_days = models.PositiveIntegerField(
        _("keep personal data (days after closing)"), default=90,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    personal_data_purged_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("a survey", "survey")
        verbose_name_plural = _("surveys")
        ordering = ["-year", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(margin__gt=0) & Q(margin__lt=1), name="survey_margin_between_0_and_1",
                violation_error_message=_("The margin of error must be between 0 and 1 (e.g. 0.05)."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_unit(self):
        return self.owner_unit

    def is_accepting(self, now=None) -> bool:
        """Answers are taken while the survey is open and the deadline has not passed."""
        return self.status == self.Status.OPEN and (now or timezone.now()) <= self.deadline

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class SurveyUnitQuerySet(ScopedQuerySet):
    scope_lookup = "unit"


class SurveyUnit(models.Model):
    """An assessed unit of a survey, with its sampling frame size N and sample size n."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="survey_units")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    population = models.PositiveIntegerField(_("respondents listed (N)"), default=0)
    sample_size = models.PositiveIntegerField(_("sample size (n)"), default=0)

    objects = SurveyUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessed unit")
        verbose_name_plural = _("assessed units")
        ordering = ["survey", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "unit"], name="survey_unit_once",
                violation_error_message=_("This unit is already assessed by this survey."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} — {self.unit}"

    def audit_unit(self):
        return self.unit


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(_("number"), default=1)
    area = models.CharField(_("area"), max_length=255, blank=True, help_text=_("Heading the question is grouped under."))
    text = models.TextField(_("question"))
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("survey criterion"), help_text=_("The survey leaf of the framework this question measures."),
    )
    weight = models.DecimalField(_("weight in the criterion"), max_digits=6, decimal_places=2, default=1)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "order"], name="survey_question_number_unique",
                violation_error_message=_("Another question already has this number."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="survey_question_weight_positive",
                violation_error_message=_("The weight of a question must be greater than 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text[:80]}"

    def audit_unit(self):
        return self.survey.owner_unit


class Option(models.Model):
    """An answer option; ``weight`` in % (None = "không biết": excluded from the score)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(_("key"), max_length=1)
    label = models.CharField(_("label"), max_length=255)
    weight = models.DecimalField(_("weight (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "order", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "key"], name="survey_option_key_unique",
                violation_error_message=_("Two options of a question cannot have the same key."),
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | (Q(weight__gte=0) & Q(weight__lte=100)),
                name="survey_option_weight_range",
                violation_error_message=_("An option weight is a percentage between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}. {self.label}"


class RespondentQuerySet(ScopedQuerySet):
    scope_lookup = "survey__owner_unit"

    def visible_to(self, user):
        """Respondents are visible to the survey's operator side only (owner unit's oversight)."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q(self.scope_lookup, paths=scope.oversight_paths))


class Respondent(models.Model):
    """One person of the sampling frame. No name is stored; ``contact`` only to send the link."""

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        OTHER = "other", _("Other")

    class AgeBand(models.TextChoices):
        UNDER_30 = "18-29", _("18–29")
        FROM_30 = "30-39", _("30–39")
        FROM_40 = "40-49", _("40–49")
        FROM_50 = "50-59", _("50–59")
        FROM_60 = "60+", _("60 and over")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit assessed"))
    number = models.PositiveIntegerField(_("number"), help_text=_("Row number of the list, per survey."))
    group = models.CharField(_("group"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    contact = models.CharField(_("contact (phone or e-mail)"), max_length=255, blank=True)
    external_ref = models.CharField(_("reference in the list"), max_length=64, blank=True)
    in_sample = models.BooleanField(_("in the sample"), default=False)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    link_issued_at = models.DateTimeField(_("link issued at"), null=True, blank=True)

    objects = RespondentQuerySet.as_manager()

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "number"], name="survey_respondent_number_unique",
                violation_error_message=_("Two respondents of a survey cannot have the same number."),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number} — {self.unit}"

    def audit_unit(self):
        return self.survey.owner_unit


class PaperBatchQuerySet(ScopedQuerySet):
    scope_lookup = "survey__owner_unit"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q(self.scope_lookup, paths=scope.oversight_paths))


class PaperBatch(models.Model):
    """A stack of paper forms of one unit, keyed in, then checked by a second entry of a sample (phúc tra)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="batches")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit assessed"))
    name = models.CharField(_("name"), max_length=120)
    check_share = models.PositiveSmallIntegerField(
        _("share re-entered for checking (%)"), default=10,
    )
    check_sheets = models.JSONField(default=list, blank=True, help_text="Sheet numbers drawn for the second entry.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PaperBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch of paper forms")
        verbose_name_plural = _("batches of paper forms")
        ordering = ["survey", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_share__gte=1) & Q(check_share__lte=100), name="survey_batch_check_share_range",
                violation_error_message=_("The share to re-enter must be between 1 and 100 %."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.unit}"

    def audit_unit(self):
        return self.survey.owner_unit


class ResponseQuerySet(ScopedQuerySet):
    scope_lookup = "survey__owner_unit"

    def visible_to(self, user):
        """Raw responses: the survey operator side only, never the assessed unit."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q(self.scope_lookup, paths=scope.oversight_paths))

    def submitted(self):
        return self.filter(status=Response.Status.SUBMITTED)


class Response(models.Model):
    """One filled questionnaire: online through a respondent's link, or one paper sheet."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("response status", "In progress")
        SUBMITTED = "submitted", pgettext_lazy("response status", "Submitted")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    respondent = models.OneToOneField(
        Respondent, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="responses")
    sheet_number = models.PositiveIntegerField(_("sheet number"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["survey", "unit__path", "sheet_number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "sheet_number"], name="survey_response_sheet_once_per_batch",
                violation_error_message=_("This sheet number is already entered in this batch."),
            ),
            models.CheckConstraint(
                condition=Q(channel="online", respondent__isnull=False)
                | Q(channel="paper", batch__isnull=False, sheet_number__isnull=False),
                name="survey_response_channel_fields",
                violation_error_message=_("An online response needs its respondent; a paper sheet its batch and number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} — {self.unit} — {self.pk}"

    def audit_unit(self):
        return self.survey.owner_unit


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="answers")

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="survey_answer_once_per_question",
                violation_error_message=_("This question is already answered on this form."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.option.key}"


class Verification(models.Model):
    """The second entry (phúc tra) of one paper sheet and the mismatches found against the first."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="verification")
    answers = models.JSONField(default=dict, help_text="question id → option key ('' = blank) as keyed the second time")
    mismatches = models.JSONField(default=list, help_text="[{question, number, first, second}]")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("second entry")
        verbose_name_plural = _("second entries")

    def __str__(self) -> str:
        return f"{self.response} ({len(self.mismatches)})"
