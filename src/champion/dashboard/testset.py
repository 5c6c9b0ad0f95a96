"""The dashboard's test set: loaded once per host by ``champion serve`` and published in the
cache as an Arrow file, which each worker maps (``champion.data.shared``) instead of loading it
again."""

from __future__ import annotations

import dataclasses
import logging

from champion.cache import default_cache_dir
from champion.dashboard.config import DashboardConfig
from champion.data import EvalDataset, Limits, load_dataset
from champion.data.shared import open_published, publish
from champion.errors import DataError, redact
from champion.models.datasets import artifact_fetcher

log = logging.getLogger("champion.dashboard")


def open_test_set(config: DashboardConfig) -> EvalDataset:
    """The test set: mapped from the file serve published for the host when there is one (no
    second load, one copy in memory for every worker), else loaded from its source."""
    if config.dataset_file is not None:
        try:
            dataset = open_published(config.dataset_file)
        except DataError as err:  # e.g. pruned from the cache while serving: load it again
            log.warning("%s Loading the test set from its source instead.", err)
        else:
            log.info("test set: mapped %s (%d rows)", config.dataset_file, dataset.n)
            return dataset
    dataset = load_dataset(
        config.data_source,
        target=config.target,
        pos_label=config.pos_label,
        features=list(config.features) if config.features else None,
        recipe=config.recipe,
        limits=Limits(config.max_bytes, config.max_rows),
        fetch=artifact_fetcher(config.tracking_uri),
    )
    log.info("test set: loaded %s (%d rows)", redact(config.data_source), dataset.n)
    return dataset


def publish_test_set(config: DashboardConfig, dataset: EvalDataset) -> DashboardConfig:
    """config naming dataset (its test set, loaded) as published in its cache folder for the
    workers to map; config unchanged (each worker loads the source) when it cannot be
    published."""
    folder = (config.cache_dir or default_cache_dir()) / "datasets"
    try:
        published = publish(dataset, folder)
    except DataError as err:
        log.warning("%s Each worker loads it instead.", err)
        return config
    return dataclasses.replace(config, dataset_file=published)
