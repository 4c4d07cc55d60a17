"""Write the example vaults and exports: a KeePass database, a Bitwarden export, a Chrome export
and an Excel workbook, for two fictitious practices. Run from the repository's root:

    python examples/make_vault_examples.py

Needs the test extra (the builders live with the tests, which build the same kinds of files).
The KeePass database and the Bitwarden export are opened with the password ``exemple``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sources.vaults import Login, bitwarden_login, blank_kdbx, encrypt_bitwarden, write_kdbx

HERE = Path(__file__).resolve().parent
PASSWORD = "exemple"  # noqa: S105 - the documented password of the example files
MARCHE = ["Pharmacie du Marché (750056780)"]


def keepass() -> None:
    logins = [
        Login(
            MARCHE,
            "Viamedis",
            "pharma.marche75",
            "Marche-Paris2025!",
            url="https://www.viamedis.net",
            history=[("Marche-Paris2023!", "2023-03-01"), ("Marche-Paris2024!", "2024-02-20")],
            changed="2025-02-20",
            fields={"Titulaire": "Comptoir"},
        ),
        Login(
            MARCHE,
            "Almerys",
            "claire.martin",
            "tH7#vQ2!pLm9xZ4w",
            url="https://www.almerys.com",
            history=[("tH7#vQ2!pLm9xZ4w", "2023-06-01"), ("Soleil75!", "2024-03-01")],
            changed="2024-09-01",
            fields={"Titulaire": "Claire Martin", "Rôle": "admin"},
            otp="otpauth://totp/almerys?secret=JBSWY3DPEHPK3PXP",
        ),
        Login(
            MARCHE,
            "Kalixia",
            "marche.kalixia",
            "Wq8$kN3@zR6!mT1v",
            url="https://www.kalixia.fr",
            changed="2025-10-01",
            expires="2026-12-01",
            fields={"Titulaire": "Paul Girard"},
        ),
        Login(MARCHE, "Banque", "marche75", "Marche-Paris2025!", url="https://banque.example"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        write_kdbx(blank_kdbx(Path(folder)), HERE / "coffre.kdbx", logins, password=PASSWORD)


def bitwarden() -> None:
    document = {
        "encrypted": False,
        "folders": [{"id": "lumiere", "name": "Optique Lumière 690034566"}],
        "items": [
            bitwarden_login(
                "Santéclair",
                "optique.lumiere",
                "Lumiere2024",
                uri="https://www.santeclair.fr",
                folder_id="lumiere",
                fields={"Titulaire": "Marc Petit"},
                revised="2024-11-02",
                history=[("Lumiere2023", "2024-11-02")],
            ),
            bitwarden_login(
                "Itelis",
                "m.petit",
                "bR4!nV8#qW2@kX6z",
                uri="https://www.itelis.fr",
                folder_id="lumiere",
                totp="otpauth://totp/itelis?secret=JBSWY3DP",
                created="2025-04-04",
            ),
        ],
    }
    export = encrypt_bitwarden(document, PASSWORD, iterations=600_000)
    (HERE / "bitwarden-export.json").write_text(
        json.dumps(export, indent=2) + "\n", encoding="utf-8"
    )


def chrome() -> None:
    (HERE / "chrome-export.csv").write_text(
        "name,url,username,password,note\n"
        "www.viamedis.net,https://www.viamedis.net/,lumiere.opt,Lumiere2024,\n"
        "www.impots.gouv.fr,https://www.impots.gouv.fr/,69003456600012,fT5#pK9!wL2@,\n"
        # What a browser saves after a phishing page: a lookalike of Viamedis, with the
        # Viamedis password typed on it (the report says `phished` and `lookalike-site`).
        "Viamedis,https://viamedis-pro.com/connexion,lumiere.opt,Lumiere2024,\n",
        encoding="utf-8",
    )


def excel() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Comptes"
    sheet.append(
        [
            "FINESS",
            "Officine",
            "Portail",
            "Identifiant",
            "Titulaire",
            "Mot de passe",
            "Dernier changement",
            "Double authentification",
        ]
    )
    sheet.append(
        [
            750056780,
            "Pharmacie du Marché",
            "SP Santé",
            "marche.sp",
            "Comptoir",
            "Marche2019",
            "12/09/2019",
            "non",
        ]
    )
    sheet.append(
        [
            690034566,
            "Optique Lumière",
            "Sévéane",
            "lumiere.sev",
            "Marc Petit",
            "kP3!xW7#nQ9@vB2m",
            "2025-05-05",
            "oui",
        ]
    )
    book.save(HERE / "inventaire.xlsx")


if __name__ == "__main__":
    keepass()
    bitwarden()
    chrome()
    excel()
