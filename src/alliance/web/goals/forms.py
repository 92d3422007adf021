from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from alliance.web.goals.models import Goal, Task

GAS_CHOICES = [
    ("-2", "-2 much less than expected"),
    ("-1", "-1 somewhat less than expected"),
    ("0", "0 as expected"),
    ("1", "+1 somewhat more than expected"),
    ("2", "+2 much more than expected"),
]


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["text", "expected_level"]
        widgets = {"text": forms.TextInput(), "expected_level": forms.TextInput()}


class GoalRatingForm(forms.Form):
    level = forms.TypedChoiceField(choices=GAS_CHOICES, coerce=int, label=gettext_lazy("Where are we now?"))


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["text", "due_session"]
        labels = {"text": gettext_lazy("Task"), "due_session": gettext_lazy("Due by session (optional)")}


class ClientTaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["text"]
        labels = {"text": gettext_lazy("Something I will try before next time")}


class TaskDoneForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("yes", "Yes, I did it"), ("no", "Not this time")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=gettext_lazy("Did you do it?"),
    )
    reflection = forms.CharField(
        label=gettext_lazy("What did you notice? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What would you like your therapist to know?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
