"""QuickLoader finds exactly the services botocore's full scan finds, without the scan."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader, create_loader

from s3batch_tui.core.botocore_loader import QuickLoader, quick_loader
from s3batch_tui.core.s3 import AwsSettings, make_session

TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")
NOT_SERVICES = ("nope", "S3", "s3/../s3", "../data", "", ".", "..", "s3/2006-03-01")


@pytest.fixture
def extra_data(tmp_path, monkeypatch):
    """An AWS_DATA_PATH directory: one custom service, and one whose version has no service-2 file."""
    (tmp_path / "mysvc" / "2020-01-01").mkdir(parents=True)
    (tmp_path / "mysvc" / "2020-01-01" / "service-2.json").write_text(json.dumps({"metadata": {}, "shapes": {}}))
    (tmp_path / "halfsvc" / "2020-01-01").mkdir(parents=True)
    (tmp_path / "halfsvc" / "2020-01-01" / "paginators-1.json").write_text("{}")
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    return str(tmp_path)


@pytest.mark.parametrize("type_name", TYPES)
def test_membership_agrees_with_botocores_listing(type_name, extra_data):
    listed = create_loader(extra_data).list_available_services(type_name)
    quick = quick_loader(extra_data).list_available_services(type_name)
    candidates = [*listed[::7], "s3", "s3control", "mysvc", "halfsvc", "a-file", *NOT_SERVICES]
    assert {name: name in quick for name in candidates} == {name: name in listed for name in candidates}
    assert list(quick) == listed and len(quick) == len(listed) and quick[0] == listed[0]


def test_custom_services_load_and_an_unknown_one_is_refused_as_botocore_refuses_it(extra_data):
    assert quick_loader(extra_data).load_service_model("mysvc", "service-2") == {"metadata": {}, "shapes": {}}
    with pytest.raises(UnknownServiceError) as plain:
        create_loader(extra_data).load_service_model("halfsvc", "service-2")
    with pytest.raises(UnknownServiceError) as quick:
        quick_loader(extra_data).load_service_model("halfsvc", "service-2")
    assert str(quick.value) == str(plain.value)
    assert "mysvc" in str(quick.value)


def test_sessions_load_models_through_a_quick_loader_with_botocores_search_paths(extra_data):
    import boto3

    loader = make_session(AwsSettings(region="us-east-1"))._session.get_component("data_loader")
    plain = boto3.session.Session(region_name="us-east-1")._session.get_component("data_loader")
    assert isinstance(loader, QuickLoader) and type(plain) is Loader
    assert loader.search_paths == plain.search_paths and extra_data in loader.search_paths
