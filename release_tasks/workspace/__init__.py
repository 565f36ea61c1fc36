"""Several packages in one repository: which folders are packages, what each is called,
which of them need which, and which changed since their own last release."""
