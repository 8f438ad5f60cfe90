"""Health data about someone the text never names (router/classify/clinical.py): a pasted clinical
record is restricted and stays in the building; a textbook vignette or a general question is not."""

from __future__ import annotations

import pytest

from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner


@pytest.fixture(scope="module")
def thorough() -> ThoroughScanner:
    return ThoroughScanner(PrivacyScanner())


def health(scanner: ThoroughScanner, text: str) -> str | None:
    found = [f.reason for f in scanner.scan(text, "messages[0].content") if f.kind == "health"]
    return found[0] if found else None


RECORDS = [
    "Summarise this clinical note: 54 y/o male, HIV positive since 2019, CD4 count 210, started on dolutegravir.",
    "Discharge summary: pt admitted 03/11 with DKA, HbA1c 11.2%, insulin regimen adjusted.",
    "Progress note, bed 12: 67F, post-op day 2 after hip replacement, pain controlled.",
    "Write a referral letter for a 34-year-old woman with recurrent migraines; she was seen in clinic on 2 May.",
    "Handover: bed 7, 55M, NSTEMI, troponin rising, heparin infusion, for angio tomorrow.",
    "Can you tidy up this SOAP note? S: 40 yo F c/o migraines x2 weeks. A: migraine without aura.",
    "Entlassungsbrief: Pat. 72 J., männlich, Z.n. Herzinfarkt, Metformin 1000 mg.",
    "Compte rendu d'hospitalisation : patiente de 63 ans, diabète de type 2, hospitalisée le 12/03.",
    "Informe de alta: varón de 58 años ingresado por neumonía, alta con amoxicilina.",
]


@pytest.mark.parametrize("text", RECORDS, ids=[t[:40] for t in RECORDS])
def test_an_unnamed_clinical_record_is_health_data(thorough, text):
    assert health(thorough, text) == "clinical record"


@pytest.mark.parametrize("text", [
    "My employee has been off for 3 weeks with bipolar disorder; write a return-to-work plan for him.",
    "My colleague is back at work after months with severe depression; plan a phased return.",
])
def test_a_condition_of_the_writers_own_people_is_health_data(thorough, text):
    assert health(thorough, text) == "the writer's own people"


def test_a_hospital_stay_tied_to_someone_is_health_data(thorough):
    assert health(thorough, "A staff member in accounts was hospitalised after a stroke last week.") is not None


@pytest.mark.parametrize("text", [
    # Vignettes of a test: the patient is made up.
    "A 45-year-old man presents with chest pain radiating to the left arm. Which of the following is the most "
    "likely diagnosis?\nA. Pericarditis\nB. Myocardial infarction\nC. Aortic dissection\nD. GERD\nAnswer:",
    "A plaintiff was suffering from a respiratory infection and his doctor prescribed a drug.\nA. Liable\n"
    "B. Not liable\nC. Liable only in tort\nD. Not liable, as the risk was disclosed",
    # General questions, templates and aggregates.
    "What is a normal HbA1c for a 54-year-old male?",
    "How should a discharge summary be structured? List the sections a hospital uses.",
    "Write a template for a SOAP note that junior doctors can fill in.",
    "Our hospital admitted 12,400 patients last year; chart the admissions by month.",
    "Design a database schema for patient records: admissions, diagnoses, medications and follow-up visits.",
    "Our employee handbook needs a section on sick leave; draft it.",
    "What dose of metformin is usual for adults with type 2 diabetes?",
])
def test_vignettes_and_general_health_text_are_not(thorough, text):
    assert health(thorough, text) is None


def test_in_a_test_item_the_writer_speaking_of_themselves_still_counts(thorough):
    text = "I was diagnosed with depression last month. Which of the following jobs would suit me?\nA. Nurse\nB. Pilot\nC. Chef"
    assert health(thorough, text) == "condition tied to someone"
    assert health(thorough, "My chemotherapy starts Monday. Which of the following foods should I avoid?") == "possessive"
