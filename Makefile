# 落户通 — make help lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

help: ## 列出命令 / list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## 安装依赖到 .venv / install into .venv

run: install ## 迁移、载入演示轮次并启动 / migrate, load the demo round, serve on HOST:PORT (127.0.0.1:8000)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --address http://$(HOST):$(PORT)/
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install ## 运行全部测试 / run every test (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff 与 mypy / lint and type-check the policy package
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install ## 性能基准，写入 docs/benchmarks.md / benchmarks
	$(PY) manage.py run_benchmarks --out docs/benchmarks.md

LOAD_APPLICANTS ?= 20000
LOAD_USERS ?= 50,100,200
LOAD_SECONDS ?= 60
bench-load: install ## 负载测试 (locust + gunicorn, needs DATABASE_URL/REDIS_URL; LOAD_APPLICANTS=130000 for issue 13's size)
	$(PY) manage.py bench_load --applicants $(LOAD_APPLICANTS) --users $(LOAD_USERS) --run-time $(LOAD_SECONDS) --out docs/benchmarks.md

worker: install ## 启动 Celery worker (needs REDIS_URL)
	$(VENV)/bin/celery -A config worker -l info --concurrency=2

beat: install ## 启动 Celery beat (needs REDIS_URL)
	$(VENV)/bin/celery -A config beat -l info

services: ## 在本机回环地址启动 PostgreSQL 和 Redis / start PostgreSQL and Redis on loopback
	@bash .ci/services

.PHONY: help install run test lint bench bench-load worker beat services
