"""Convert ("Flash Exchange", OKX `asset/convert/*`): firm quotes priced off the live book with a
spread and a time to live, settled against the convert desk through the exchange's single writer."""
