# Portail des Fabriques Prospectives — commandes courantes.
#
#   make run    installe tout, charge les données de démonstration et lance le serveur
#   make test   lance la suite de tests
#
# GNU make ; les recettes sont indentées par des tabulations.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV          := .venv
PY            := $(VENV)/bin/python
UV            := $(VENV)/bin/uv
MANAGE        := $(PY) manage.py
STAMP         := $(VENV)/.installed
STAMP_TEST    := $(VENV)/.installed-test

# Interpréteur imposé à la main (facultatif) : make run PYTHON=/chemin/vers/python3.12
PYTHON        ?=
PYENV_ROOT    ?= $(HOME)/.pyenv
DEMO_PASSWORD ?= fabrique-demo-2026
RUNSERVER     ?= 127.0.0.1:8000
PYTEST_ARGS   ?=

# docker-compose (v1, paquet Debian) sinon le greffon « docker compose » (v2).
COMPOSE ?= $(shell command -v docker-compose >/dev/null 2>&1 && echo docker-compose || echo docker compose)

# Teste qu'un interpréteur est un Python >= 3.12 en l'exécutant vraiment
# (le shim pyenv `python3.12` existe mais échoue quand 3.11 est sélectionné).
PY_OK := -c 'import sys; sys.exit(sys.version_info < (3, 12))'

# $(call pip_install,ARGUMENTS) : uv dans le virtualenv, repli sur pip s'il échoue.
define pip_install
	@if [ ! -x $(UV) ]; then \
	  $(PY) -m pip install --quiet --disable-pip-version-check uv \
	    || echo "uv n'a pas pu être installé : installation avec pip."; \
	fi; \
	if [ -x $(UV) ] && $(UV) pip install --quiet --python $(PY) $(1); then \
	  echo 'Dépendances installées avec uv : $(1)'; \
	else \
	  echo "uv indisponible ou en échec : repli sur pip."; \
	  $(PY) -m pip install --quiet --disable-pip-version-check $(1); \
	fi
endef

.PHONY: help
help: ## Affiche cette aide
	@echo "Portail des Fabriques Prospectives — commandes disponibles :"
	@echo
	@echo "  make run             installe le projet, prépare la base, charge les données"
	@echo "                       de démonstration et lance le serveur sur http://$(RUNSERVER)/"
	@echo "                       (mot de passe des comptes : DEMO_PASSWORD=$(DEMO_PASSWORD))"
	@echo "  make test            installe les dépendances de test et lance pytest"
	@echo "                       (options : make test PYTEST_ARGS='-k seminaire -x')"
	@echo "  make test-faults     tests de pannes (worker tué, Redis arrêté, PostgreSQL"
	@echo "                       redémarré) sur des serveurs jetables"
	@echo
	@echo "  make install         crée .venv et installe le projet (sans rien lancer)"
	@echo "  make check           vérifications Django, migrations manquantes, ruff (lint et format)"
	@echo "  make compose-config  valide docker-compose.yml"
	@echo "  make clean           supprime .venv, db.sqlite3, media et staticfiles"
	@echo
	@echo "Python >= 3.12 requis ; pour en imposer un : make run PYTHON=/chemin/vers/python3"

# --- Environnement Python ---------------------------------------------------

$(PY):
	@py=""; \
	for c in $(PYTHON) python3.13 python3.12 python3 \
	         $(wildcard $(PYENV_ROOT)/versions/3.1[2-9]*/bin/python3); do \
	  if command -v "$$c" >/dev/null 2>&1 && "$$c" $(PY_OK) >/dev/null 2>&1; then \
	    py="$$c"; break; \
	  fi; \
	done; \
	if [ -z "$$py" ]; then \
	  echo "Erreur : aucun Python >= 3.12 trouvé (essayés : $(if $(PYTHON),$(PYTHON) ,)python3.13, python3.12," >&2; \
	  echo "python3 et $(PYENV_ROOT)/versions/3.1x). Installez Python 3.12 ou plus récent," >&2; \
	  echo "ou indiquez-le : make run PYTHON=/chemin/vers/python3.12" >&2; \
	  exit 1; \
	fi; \
	echo "Création de $(VENV) avec $$py ($$("$$py" -V 2>&1))"; \
	"$$py" -m venv $(VENV)

# Refuse un .venv créé avec un Python trop ancien plutôt que d'installer
# silencieusement Django 5.2 (pip sur 3.11 ne propose pas Django 6).
.PHONY: venv-ok
venv-ok: | $(PY)
	@$(PY) $(PY_OK) || { \
	  echo "Erreur : $(VENV) utilise $$($(PY) -V 2>&1) ; Python >= 3.12 est requis." >&2; \
	  echo "Supprimez-le (make clean) puis relancez." >&2; exit 1; }

# Les fichiers témoins rendent la seconde installation instantanée ; ils sont
# refaits quand pyproject.toml change.
# static/ (STATICFILES_DIRS) est vide donc absent d'un clone git : le créer évite
# l'avertissement staticfiles.W004 à chaque commande.
$(STAMP): pyproject.toml | venv-ok
	$(call pip_install,-e .)
	@mkdir -p static
	@touch $@

$(STAMP_TEST): pyproject.toml | venv-ok
	$(call pip_install,-e ".[test]")
	@mkdir -p static
	@touch $@ $(STAMP)

# axe-core (audits d'accessibilité des tests dans le navigateur), version
# figée par package-lock.json.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: install install-test
install: $(STAMP) ## Crée .venv et installe le projet
install-test: $(STAMP_TEST) $(NODE_STAMP)

# --- Cibles principales -----------------------------------------------------

.PHONY: run
run: $(STAMP) ## Installe, prépare la base, charge la démonstration, lance le serveur
	$(MANAGE) migrate --noinput
	$(MANAGE) import_geography
	$(MANAGE) import_fabriques
	$(MANAGE) demo --password "$(DEMO_PASSWORD)"
	$(MANAGE) runserver $(RUNSERVER)

# pytest sort avec le code 5 quand il ne collecte aucun test : ce code remonte
# tel quel, make échoue.
.PHONY: test
test: $(STAMP_TEST) $(NODE_STAMP) system-test-deps ## Lance la suite de tests
	$(PY) -m pytest -m "not faults" $(PYTEST_ARGS)

# Tests de pannes (issue 8) : ils démarrent leurs propres serveurs jetables sur
# 127.0.0.1 (worker Celery, Redis, PostgreSQL) et les cassent. .ci/run les lance
# après make test.
.PHONY: test-faults
test-faults: $(STAMP_TEST) system-test-deps ## Lance les tests de pannes
	$(PY) -m pytest -m faults tests/faults $(PYTEST_ARGS)

# Outils système des tests : Chromium (tests dans le navigateur), poppler
# (pdftotext, pdfinfo) et la bibliothèque de sous-ensembles de polices de
# WeasyPrint. Installés avec apt quand on est root, sinon la commande à lancer
# est affichée et make s'arrête.
SYSTEM_TEST_PACKAGES := chromium poppler-utils libharfbuzz-subset0 fonts-dejavu-core
.PHONY: system-test-deps
system-test-deps:
	@missing=""; for pkg in $(SYSTEM_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installation des paquets de test :$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Paquets manquants pour les tests :$$missing" >&2; \
	    echo "Installez-les : sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

.PHONY: check
check: $(STAMP_TEST) ## Vérifications Django, migrations manquantes, style (ruff)
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: compose-config
compose-config: ## Valide docker-compose.yml (valeurs factices pour les variables exigées)
	SECRET_KEY=check ALLOWED_HOSTS=example.org $(COMPOSE) -f docker-compose.yml config -q
	@echo "docker-compose.yml valide."

.PHONY: clean
clean: ## Supprime .venv, db.sqlite3, media et staticfiles
	rm -rf $(VENV) db.sqlite3 media staticfiles node_modules

# --- Banc d'essai (issue 9, bench/README.md) ----------------------------------
# PostgreSQL 15 jetable démarré et arrêté par bench/run.py (initdb/postgres sur
# un port libre de 127.0.0.1) ; Celery en mode eager, donc pas de Redis.

STAMP_BENCH := $(VENV)/.installed-bench
BENCH_ARGS  ?=

$(STAMP_BENCH): pyproject.toml | venv-ok
	$(call pip_install,-e ".[bench]")
	@mkdir -p static
	@touch $@ $(STAMP)

.PHONY: bench bench-quick
bench: $(STAMP_BENCH) ## Banc d'essai complet (~10 min) : tableau et bench/results.json
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: $(STAMP_BENCH) ## Banc d'essai réduit pour le développement (~3 min)
	$(PY) -m bench.run --scale 0.02 --requests 5 --load-seconds 10 --users 10 \
	  --output /tmp/fabriques-bench-quick.json $(BENCH_ARGS)
