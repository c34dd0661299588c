"""Users and sub-accounts: sign-up, login, 2FA (TOTP, email codes, recovery codes), attempt
counters and the mail they send."""
