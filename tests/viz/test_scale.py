"""Lesson 11's counts: the same on every run, the writes unchanged by the switches, the reads not."""
import matplotlib

from kubelab.viz import scale

matplotlib.use("agg")


def test_two_runs_of_the_same_cluster_count_the_same_and_every_pod_starts_within_the_slo():
    first, second = scale.measure(2), scale.measure(2)
    assert first == second
    assert first.pods == 10 and first.writes >= 10 * first.pods // 2
    assert first.syncs > 0 and first.scored == first.filtered == 2 * first.pods   # under 100 nodes: all
    assert first.p99 <= 5.0


def test_informers_without_indexes_write_the_same_and_scan_more():
    indexed, scanning = scale.measure(2, pods_per_deployment=5), scale.measure(2, pods_per_deployment=5,
                                                                               informer_indexes=False)
    assert indexed.writes == scanning.writes and indexed.syncs == scanning.syncs
    assert scanning.scanned > indexed.scanned


def test_without_the_watch_cache_the_store_has_a_watcher_per_client_watch_and_tells_each_write_more_often():
    cached, uncached = scale.measure(3), scale.measure(3, watch_cache=False)
    assert cached.writes == uncached.writes and cached.pods == uncached.pods
    assert uncached.watchers > cached.watchers and uncached.delivered > 2 * cached.delivered
    assert scale.measure(6).watchers == cached.watchers   # one store watcher per resource, whatever the size


def test_the_growth_plot_has_one_panel_per_figure_and_the_slope_in_each_legend():
    rows = [scale.Counts(n, 5 * n, 60 * n, 0, 50, 6 * n * n, 10 * n, n, n, n, 0.5, 0.8) for n in (3, 6, 12)]
    assert round(scale.exponent(rows, "writes"), 2) == 1.0 and round(scale.exponent(rows, "delivered"), 2) == 2.0
    figure = scale.growth_plot({"on": rows}, ("writes", "delivered"))
    assert len(figure.axes) == 2
    assert [text.get_text() for text in figure.axes[1].get_legend().get_texts()] == ["on (slope 2.00)"]
