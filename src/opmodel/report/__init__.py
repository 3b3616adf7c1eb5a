"""Reports and charts built from analysis and optimizer results.

:mod:`opmodel.report.charts` holds one Vega-Lite specification (an Altair chart) per chart;
the HTML report, the web app and PNG/SVG export all use the same specs.
"""
