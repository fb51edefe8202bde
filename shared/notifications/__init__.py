"""Notification producer (queue) and webhook delivery."""
