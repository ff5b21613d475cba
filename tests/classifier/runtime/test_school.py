"""The school's identity as data: fuzzy mentions through OCR noise, other brands and sites."""
from __future__ import annotations

from classifier.runtime.labels import LabelSet
from classifier.runtime.school import SchoolProfile, site_label, skeleton, transliterate

SCHOOL = SchoolProfile.from_mapping({"school": "Кодариум", "site": "kodarium.ru"})


def test_names_are_matched_through_ocr_noise_and_scripts():
    assert skeleton("Кодариум") == skeleton("КОДАРИУМ")
    assert transliterate("Кодариум") == "kodarium"
    for text in ("Оплата — Кодариум", "ikkodarium.ru/login", "KODARIUM*SUBSCR 4 990р", "kopapuym",  # caps read as Latin
                 "https://pay.kodarium.ru/checkout"):
        assert SCHOOL.names_school(text), text
    for text in ("Вкусноед: заказ не оплачен", "marketplus.ru/product", "Кодекс административных правонарушений"):
        assert not SCHOOL.names_school(text), text


def test_site_label_is_the_brand_part_of_a_host():
    assert site_label("https://pay.kodarium.ru/x") == "kodarium"
    assert site_label("www.polimat.school") == "polimat"
    assert site_label("mail.ru") == "mail"


def test_foreign_brands_are_other_sites_and_camel_case_names_not_the_school():
    text = "19:42 FoodRush\nfoodrush.com/order\nreadme.md task2.py anna.krylova@mail.ru\nКодариумПлюс"
    found = SCHOOL.foreign_brands(text)
    assert "foodrush.com" in found and "FoodRush" in found
    assert not any(x in found for x in ("readme.md", "task2.py", "anna.krylova", "КодариумПлюс"))


def test_an_empty_profile_names_nothing_and_is_false():
    empty = SchoolProfile()
    assert not empty and not empty.names_school("Кодариум") and empty.keys == ()


def test_profile_round_trips_and_changes_the_label_set_fingerprint():
    profile = SchoolProfile(name="Полимат", site="polimat.school", aliases=["POLIMAT", " "], domains=["lk.polimat.school"])
    assert profile.aliases == ("POLIMAT",)
    assert SchoolProfile.from_mapping(profile.to_dict()) == profile
    labels = LabelSet.default_images()
    assert labels.with_school(profile).fingerprint() != labels.fingerprint()
    assert labels.with_school(None).fingerprint() == labels.fingerprint()
