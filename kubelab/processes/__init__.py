"""The process shells of `kubelab up`: supervision (supervisor.py) and the fault channel (control.py)."""
