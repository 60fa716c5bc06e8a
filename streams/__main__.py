"""``python -m streams worker``: run the Faust worker with settings from the environment."""

from streams.settings import Settings
from streams.worker.app import create_app

app = create_app(Settings())

if __name__ == "__main__":
    app.main()
