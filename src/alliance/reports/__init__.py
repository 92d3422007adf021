"""Reports: research reports on scored data files, and the PDF rendering they share."""
