"""``cxp dedupe`` on small CSVs: dedupe and link mode, dirty and odd inputs."""
from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.identity.probabilistic import predict_pairs

FIRST = ["olivia", "liam", "emma", "noah", "ava", "elijah", "sophia", "lucas", "mia", "mason", "harper", "ethan", "amelia", "logan", "ella"]
LAST = ["smith", "nguyen", "garcia", "kowalski", "muller", "brown", "okafor", "rossi", "tanaka", "dubois", "silva", "novak"]
STREETS = ["wattle st", "banksia rd", "kurrajong ave", "jacaranda cres", "waratah pde", "gum tree ln", "bottlebrush ct"]
CITIES = ["richmond", "carlton", "fitzroy", "brunswick", "coburg", "northcote", "preston"]


def people(n: int, seed: int, prefix: str = "p") -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(dict(
            entity=f"{prefix}{i}", given=rng.choice(FIRST), surname=rng.choice(LAST), number=str(rng.randint(1, 300)),
            street=rng.choice(STREETS), suburb=rng.choice(CITIES), postcode=str(rng.randint(3000, 3999)),
            dob=f"19{rng.randint(40, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
        ))
    return out


def typo(rng: random.Random, value: str) -> str:
    if len(value) < 3:
        return value
    i = rng.randrange(1, len(value) - 1)
    return value[:i] + value[i + 1] + value[i] + value[i + 2:]


def duplicate(rng: random.Random, person: dict) -> dict:
    copy = dict(person)
    field = rng.choice(["given", "surname", "street", "suburb", "dob", "swap", "missing"])
    if field == "swap":
        copy["given"], copy["surname"] = copy["surname"], copy["given"]
    elif field == "missing":
        copy["postcode"] = ""
    else:
        copy[field] = typo(rng, copy[field])
    return copy


def write(path: Path, rows: list[dict], id_prefix: str) -> None:
    frame = pd.DataFrame(rows)
    frame.insert(0, "rec_id", [f"{id_prefix}{i}-{r['entity']}" for i, r in enumerate(rows)])
    frame.drop(columns="entity").to_csv(path, index=False)


MAP = ["--map", "first_name=given", "--map", "last_name=surname", "--map", "street_number=number", "--map", "address=street",
       "--map", "city=suburb", "--map", "postcode=postcode", "--map", "dob=dob"]


def pair_scores(out: Path) -> tuple[float, float]:
    clusters = pd.read_csv(out, dtype=str)
    clusters["entity"] = clusters["record_id"].str.split("-").str[1]
    predicted = {tuple(sorted((a, b))) for _, g in clusters.groupby("cluster_id") for a in g.record_id for b in g.record_id if a < b}
    truth = {tuple(sorted((a, b))) for _, g in clusters.groupby("entity") for a in g.record_id for b in g.record_id if a < b}
    hits = len(predicted & truth)
    return hits / max(len(predicted), 1), hits / max(len(truth), 1)


def test_dedupe_finds_dirty_duplicates(tmp_path):
    rng = random.Random(3)
    base = people(600, seed=1)
    rows = base + [duplicate(rng, p) for p in rng.sample(base, 250)]
    rng.shuffle(rows)
    write(tmp_path / "people.csv", rows, "r")
    out = tmp_path / "clusters.csv"
    assert main(["dedupe", str(tmp_path / "people.csv"), "--id", "rec_id", *MAP, "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str)
    assert list(result.columns) == ["record_id", "cluster_id"] and len(result) == len(rows)
    precision, recall = pair_scores(out)
    assert precision >= 0.98 and recall >= 0.9, (precision, recall)


def test_link_mode_writes_both_files_and_links_across(tmp_path):
    rng = random.Random(5)
    base = people(400, seed=2)
    write(tmp_path / "a.csv", base, "a")
    write(tmp_path / "b.csv", [duplicate(rng, p) for p in base[:300]] + people(100, seed=9, prefix="q"), "b")
    out = tmp_path / "linked.csv"
    assert main(["dedupe", str(tmp_path / "a.csv"), "--link", str(tmp_path / "b.csv"), "--id", "rec_id", *MAP, "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str)
    assert len(result) == 800
    # no cluster holds two records of one file
    result["file"] = result["record_id"].str[0]
    assert result.groupby(["cluster_id", "file"]).size().max() == 1
    precision, recall = pair_scores(out.with_name("linked.csv"))
    assert precision >= 0.98 and recall >= 0.9, (precision, recall)


def test_odd_csvs_never_crash(tmp_path):
    odd = tmp_path / "odd.csv"
    # duplicated ids, an all-empty mapped column, blank rows of values, a semicolon file with a BOM
    odd.write_text("\ufeffid;name;email;phone;zip\n1;Ann Lee;;;\n1;Ann Lee;;;\n2;;;;\n3;ann lee;ANN@X.COM;5.12555E+09;\n4;Bo Kim;ann@x.com;;\n",
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["dedupe", str(odd), "--id", "id", "--map", "full_name=name", "--map", "email=email", "--map", "phone=phone",
            "--map", "postcode=zip", "--out", str(out)]
    assert main(args) == 0
    result = pd.read_csv(out, dtype=str)
    assert result["record_id"].tolist() == ["1", "1", "2", "3", "4"]
    assert result["cluster_id"].notna().all()

    empty = tmp_path / "empty.csv"
    empty.write_text("id,name\n", encoding="utf-8")
    assert main(["dedupe", str(empty), "--id", "id", "--map", "full_name=name", "--out", str(out)]) == 0
    assert pd.read_csv(out).empty


def test_unknown_column_or_role_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("id,name\n1,Ann\n", encoding="utf-8")
    assert main(["dedupe", str(path), "--id", "id", "--map", "full_name=nom", "--out", str(tmp_path / "o.csv")]) == 2
    assert "no column 'nom'" in capsys.readouterr().err
    assert main(["dedupe", str(path), "--id", "id", "--map", "nickname=name", "--out", str(tmp_path / "o.csv")]) == 2


def test_noiseless_data_falls_back_to_priors():
    """Exact copies only: EM has no disagreement to learn from; links must still come out."""
    base = people(500, seed=4)
    frame = pd.DataFrame(base + base[:100])
    frame = pd.DataFrame({"unique_id": [f"r{i}" for i in range(len(frame))], "first_name": frame.given, "last_name": frame.surname,
                          "dob": frame.dob, "postcode": frame.postcode, "address": frame.street, "city": frame.suburb})
    result = predict_pairs(frame)
    pairs = {tuple(sorted(p)) for p in zip(result.pairs.unique_id_l, result.pairs.unique_id_r)}
    truth = {tuple(sorted((f"r{i}", f"r{i + 500}"))) for i in range(100)}
    assert truth <= pairs
    assert len(pairs - truth) <= 2


@pytest.mark.parametrize("columns", [{}, {"first_name": [None, None, None]}])
def test_nothing_to_compare_gives_no_pairs(columns):
    frame = pd.DataFrame({"unique_id": ["a", "b", "c"], **columns})
    assert predict_pairs(frame).pairs.empty


def test_threshold_trades_recall_for_precision(tmp_path, capsys):
    rng = random.Random(3)
    base = people(600, seed=1)
    rows = base + [duplicate(rng, p) for p in rng.sample(base, 250)]
    write(tmp_path / "people.csv", rows, "r")
    scores, clusters = {}, {}
    for threshold in ("0.5", "0.99999"):
        out = tmp_path / f"clusters_{threshold}.csv"
        args = ["dedupe", str(tmp_path / "people.csv"), "--id", "rec_id", *MAP, "--out", str(out), "--threshold", threshold]
        assert main(args) == 0
        scores[threshold] = pair_scores(out)
        clusters[threshold] = pd.read_csv(out, dtype=str)["cluster_id"].nunique()
    assert clusters["0.5"] < clusters["0.99999"]  # a lower bar links more
    # the extra links are wrong ones here: every true pair is found either way
    assert scores["0.5"][1] >= scores["0.99999"][1] and scores["0.5"][0] < scores["0.99999"][0], scores
    capsys.readouterr()
    bad = ["dedupe", str(tmp_path / "people.csv"), "--id", "rec_id", *MAP, "--out", str(tmp_path / "x.csv"), "--threshold", "1.5"]
    assert main(bad) == 2
    assert "match_probability_threshold" in capsys.readouterr().err
