"""Webhooks as REST Hooks: apps subscribe URLs for a person; events reach them through a durable queue.

subscriptions  the (user, app) pair's subscriptions and their sealed secrets
addresses      which URLs and addresses a webhook may reach
urls           a subscription's URL, checked and taken apart
"""
