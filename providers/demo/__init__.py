"""The demo data set (`manage.py load_demo`): real software, fictional providers and clusters."""
