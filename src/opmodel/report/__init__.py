"""Reports and charts built from analysis and optimizer results.

The planning report (:mod:`opmodel.report.build`) flows one way: the data
(:mod:`~opmodel.report.data`) is computed first, stated in words
(:mod:`~opmodel.report.findings`) and laid out as tables (:mod:`~opmodel.report.tables`),
then rendered to HTML (:mod:`~opmodel.report.html`, one partial per section of
:mod:`~opmodel.report.sections`), to the workbook (:mod:`~opmodel.report.workbook`) and to
charts (:mod:`~opmodel.report.specs`, drawn to files by :mod:`~opmodel.report.exports`);
no renderer imports another.

:mod:`opmodel.report.charts` holds one Vega-Lite specification (an Altair chart) per chart;
the HTML report, the web app and PNG/SVG export all use the same specs.
"""
