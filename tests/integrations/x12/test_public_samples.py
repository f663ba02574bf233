"""The public samples in ../shared/edi-samples (not copied into the repo; licenses in its
SOURCES.md) as an extra check when the folder is there, as it is in CI."""

from pathlib import Path

import pytest

from integrations.x12 import Delimiters, build_hl_tree, read, walk_shipments, write

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLES = REPO_ROOT.parent / "shared" / "edi-samples"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is not present")

CLEAN = [
    "810_staedi.edi",
    "850_node-x12.edi",
    "850_staedi-dual-810-850.edi",
    "855_node-x12.edi",
    "855_stedi-bootstrap-5010.edi",
    "856_node-x12.edi",
    "997_staedi.edi",
]


def _read(name: str):
    return read((SAMPLES / name).read_bytes())


@pytest.mark.parametrize("name", CLEAN)
def test_clean_public_samples_read_without_findings_and_round_trip(name):
    result = _read(name)

    assert result.all_errors() == []
    [ic] = result.interchanges
    assert all(ts.accepted for ts in ic.transaction_sets())
    again = read(write(ic, delimiters=Delimiters("|", ":", "~", "^", "\n")))
    assert again.all_errors() == []
    assert again.interchanges[0].groups == ic.groups


def test_gozer_850_is_rejected_for_its_se01_count():
    result = _read("850_gozer-walmartlabs-se-count-mismatch.edi")

    [error] = result.all_errors()
    assert (
        error.level,
        error.code,
        error.segment_id,
        error.segment_position,
        error.element_position,
        error.bad_value,
    ) == ("set", "4", "SE", 21, 1, "33")
    [ts] = result.interchanges[0].transaction_sets()
    assert ts.errors == [error]
    assert result.interchanges[0].delimiters.segment == "\n"


def test_gozer_856_reads_newline_terminated_and_reports_its_iea02():
    result = _read("856_gozer-walmartlabs-newline-terminated.edi")

    # The sample's IEA02 (000000049) does not repeat its ISA13 (000003438).
    assert [(e.code, e.segment_id, e.element_position) for e in result.all_errors()] == [
        ("001", "IEA", 2)
    ]
    [ts] = result.interchanges[0].transaction_sets()
    assert ts.accepted
    assert len(ts.segments) == 29


def test_node_x12_856_keeps_dashes_in_data_despite_the_dash_repetition_separator():
    [ic] = _read("856_node-x12.edi").interchanges
    [ts] = ic.transaction_sets()

    assert (ic.version, ic.delimiters.repetition) == ("00406", "-")
    assert ts.first("REF").value(2) == "999999-001"
    [shipment] = walk_shipments(build_hl_tree(ts))
    [order] = shipment.orders
    assert order.node.first("PRF").value(1) == "99999817"
    assert [i.node.first("LIN").value(3) for i in order.items] == ["87787D", "99887D"]


def test_staedi_dual_sample_has_two_groups_of_different_versions():
    [ic] = _read("850_staedi-dual-810-850.edi").interchanges

    assert [
        (g.functional_id, g.version, [t.set_id for t in g.transaction_sets]) for g in ic.groups
    ] == [("IN", "004010", ["810", "810"]), ("PO", "003010", ["850"])]
