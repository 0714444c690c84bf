# syntax=docker/dockerfile:1
# Image de production du portail des Fabriques Prospectives.
# Utilisée par docker-compose.yml pour les services web, worker et beat.
#
# Debian 12 (bookworm), comme les machines de développement et d'intégration
# continue : les noms des paquets système ci-dessous y ont été vérifiés.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

# Bibliothèques système de WeasyPrint (rendu PDF) : Pango, HarfBuzz subset
# (sous-ensembles de polices, rendu ~2x plus rapide) et une police de repli ;
# pg_dump/pg_restore 15 de Debian pour `manage.py backup`/`restore` (même version
# majeure que le service db de docker-compose.yml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        postgresql-client \
 && rm -rf /var/lib/apt/lists/*

# Utilisateur sans privilèges ; le code reste à root, en lecture seule pour lui.
RUN groupadd --system --gid 1000 app \
 && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dépendances d'abord (couche mise en cache tant que pyproject.toml ne change pas).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Puis le projet lui-même (installation éditable : le code reste dans /app).
COPY . .
RUN pip install --no-deps -e . \
 && mkdir -p static

# Fichiers statiques (valeurs factices : la production exige ces variables,
# collectstatic ne touche pas à la base).
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-only \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 \
 && rm -f /tmp/collectstatic.sqlite3 \
 && mkdir -p /data/media /data/backups \
 && chown -R app:app /app/staticfiles /data

# Un volume nommé neuf monté sur /app/staticfiles ou /data/media hérite du
# contenu et du propriétaire (app) de ces dossiers dans l'image.
USER app
EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
