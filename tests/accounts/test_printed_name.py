"""A name is printed on certificates exactly as stored: characters that do not print as typed are refused."""

import pytest
from django import forms

from accounts.forms import ProfileForm, full_name_clean


@pytest.mark.parametrize(
    "name",
    [
        "Oʻgʻiloy\u202eavetyaxʻoT",  # right-to-left override: the rest would print reversed
        "Dilnoza\u200bRahimova",  # zero-width space
        "Dilnoza\u200eRahimova",  # left-to-right mark
        "Dilnoza\ue000Rahimova",  # private use
        "Dilnoza\x07Rahimova",  # bell
    ],
)
def test_a_full_name_that_does_not_print_as_typed_is_refused(name):
    with pytest.raises(forms.ValidationError):
        full_name_clean(name)


def test_an_uzbek_and_a_cyrillic_name_are_kept_exactly():
    # White space, line separators included, folds to one space.
    assert full_name_clean("  Oʻgʻiloy \u2028  Toʻxtayeva ") == "Oʻgʻiloy Toʻxtayeva"
    assert full_name_clean("Дилноза Рахимова") == "Дилноза Рахимова"


def test_the_profile_refuses_a_bidi_override_in_either_name(client, candidate):
    client.force_login(candidate)
    data = {"full_name": "Ali\u202eValiyev", "full_name_cyrillic": "Али Валиев", "language": "uz", "position": ""}
    form = ProfileForm(data=data, instance=candidate)
    assert not form.is_valid() and "full_name" in form.errors
    data.update(full_name="Ali Valiyev", full_name_cyrillic="Али\u202eВалиев")
    form = ProfileForm(data=data, instance=candidate)
    assert not form.is_valid() and "full_name_cyrillic" in form.errors
    candidate.refresh_from_db()
    assert candidate.full_name == "Oʻgʻiloy Toʻxtayeva"
