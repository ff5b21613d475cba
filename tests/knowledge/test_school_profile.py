"""The school's identity: filled by faq_import from faq.yaml's school and site, read by the classifier."""
import pytest

from knowledge.models import SchoolProfile
from knowledge.selectors import school_identity
from knowledge.services import faq_export, faq_import, school_profile_update
from tickets.classification import build_label_set

pytestmark = pytest.mark.django_db

FAQ = """school: Полимат
site: polimat.school
entries:
  - id: pay
    topic: payment
    question: Как оплатить?
    answer: Картой.
"""


def test_faq_import_fills_the_profile_and_the_classifier_sees_it():
    assert not school_identity()
    faq_import(FAQ)
    profile = SchoolProfile.objects.get()
    assert (profile.name, profile.site) == ("Полимат", "polimat.school")
    label_set = build_label_set()
    assert label_set.school.name == "Полимат" and label_set.school.names_school("POLIMAT*BEZLIMIT 990 RUB")


def test_aliases_set_in_the_admin_survive_a_new_import_and_change_the_classifiers_version():
    faq_import(FAQ)
    before = build_label_set().fingerprint()
    profile = SchoolProfile.objects.get()
    profile.aliases = "PLMT\nПолимат Школа\n"
    profile.save()
    assert profile.aliases == ["PLMT", "Полимат Школа"]
    assert build_label_set().fingerprint() != before
    faq_import(FAQ.replace("polimat.school", "polimat.ru"))
    profile.refresh_from_db()
    assert profile.aliases == ["PLMT", "Полимат Школа"] and profile.site == "polimat.ru"
    assert SchoolProfile.objects.count() == 1


def test_a_faq_without_header_keeps_the_profile_and_export_writes_it():
    school_profile_update(name="Кодариум", site="kodarium.ru")
    faq_import(FAQ.split("entries:")[0].replace("school: Полимат\nsite: polimat.school\n", "") + "entries:" + FAQ.split("entries:")[1])
    assert school_identity().name == "Кодариум"
    assert faq_export().startswith("school: Кодариум\nsite: kodarium.ru\n")


def test_admin_edits_the_profile(admin_client):
    faq_import(FAQ)
    profile = SchoolProfile.objects.get()
    assert admin_client.get(f"/admin/knowledge/schoolprofile/{profile.pk}/change/").status_code == 200
