"""The benchmark (``make bench``): synthetic data at national scale and the
measures of issue 9. Installed only by ``bench.settings``, never by the portal."""
