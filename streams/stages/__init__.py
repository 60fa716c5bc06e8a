"""The live pipeline's incremental state: the contact book, the FCR book and the two stages."""
