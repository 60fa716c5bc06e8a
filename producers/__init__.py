"""Producers: the contact-centre simulator and where its events go (Kafka or a JSONL file)."""
