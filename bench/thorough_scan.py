"""What the thorough privacy scan (router/classify/thorough.py) costs on ~1k-token texts that hold no
personal data: the case it runs for on most internal requests whose chain has a cloud fallback.

    PYTHONPATH=$PWD python bench/thorough_scan.py [--runs 300]

One row per text (English, German, a general health leaflet, Chinese, a multiple-choice exam item):
p50 and p90 wall time of one scan, in microseconds, the scan's memo bypassed. Wall time on a shared
host: compare rows of one run, or runs of two commits back to back.
"""

from __future__ import annotations

import argparse
import statistics
import time

from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner

TEXTS = {
    "English prose": ("The quarterly report describes how the platform team migrated the billing service to the new "
                      "cluster, what broke during the cut-over, and which follow-up tasks remain open for the next "
                      "sprint. ") * 24,
    "German prose": ("Der Quartalsbericht beschreibt, wie das Plattformteam den Abrechnungsdienst auf den neuen "
                     "Cluster umgezogen hat, was beim Umstieg kaputtging und welche Aufgaben für den nächsten Sprint "
                     "offen bleiben. ") * 22,
    "health leaflet": ("Patient education leaflet: diabetes is managed with diet, exercise and sometimes insulin; "
                       "blood pressure and cholesterol are checked at each visit, and the clinic reviews medication "
                       "every year. ") * 22,
    "Chinese prose": "季度报告介绍了平台团队如何将计费服务迁移到新集群，切换期间出现了哪些问题，以及下一个冲刺还有哪些后续任务。" * 30,
    "exam item": ("A 45-year-old man presents with chest pain radiating to the left arm after climbing stairs; he "
                  "has a history of hypertension and smokes. " * 20 + "Which of the following is the most likely "
                  "diagnosis?\nA. Pericarditis\nB. Myocardial infarction\nC. Aortic dissection\nD. GERD\nAnswer:"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    scanner = ThoroughScanner(PrivacyScanner())
    print("| text | chars | findings | p50 µs | p90 µs |\n|---|---|---|---|---|")
    for name, text in TEXTS.items():
        found = scanner._scan(text, "", True)  # warm, and what it finds (these texts hold nothing private)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            scanner._scan(text, "", True)
            times.append((time.perf_counter() - start) * 1e6)
        times.sort()
        print(f"| {name} | {len(text)} | {len(found)} | {statistics.median(times):.0f} | "
              f"{times[int(len(times) * 0.9)]:.0f} |")


if __name__ == "__main__":
    main()
