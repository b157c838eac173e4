# Developer entry points. npm scripts run on Node 24 from the `node` devDependency.
SHELL := /bin/bash
NPM ?= npm
KIND_CLUSTER ?= inventorybot
IMAGE ?= ghcr.io/inventorybot/inventorybot:dev

.PHONY: all prerequisites install build lint typecheck test test-unit test-integration crds generate deploy-render \
	binaries node-binaries node-up node-down test-real-node cluster-up cluster-down demo run kind-up kind-load kind-down image bench image-local

all: lint typecheck test

## Debian packages the demo and the tests run (test/tools/prerequisites.tsv); apt-get as root, else prints the command.
prerequisites:
	test/tools/prerequisites.sh demo test node

# Installs exactly what package-lock.json records (never rewrites it).
node_modules: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch node_modules

install: node_modules

build: node_modules
	$(NPM) run build

lint: node_modules
	$(NPM) run lint

typecheck: node_modules
	$(NPM) run typecheck

## All tests: unit, integration (Redis, HTTP) and cluster (real kube-apiserver, etcd, controller-manager, kwok).
## Every suite. The real-node suite runs after the others, not beside them: it loads both cores on purpose
## (HPA on real CPU) and would starve the timing of the cluster suites. Needs root for it (README).
## Its files run one at a time (--runInBand): they share the node, and the user story's operator watches
## every namespace (#13: shard-rebalance.test.ts runs a second, namespaced operator).
## JEST_REPORT=PATH writes PATH.main.json and PATH.real-node.json (Jest's --json) for .ci/run.
test: prerequisites node_modules binaries node-binaries
	@status=0; \
	$(NPM) test -- --selectProjects unit integration cluster $(JEST_ARGS) \
	  $(if $(JEST_REPORT),--json --outputFile=$(JEST_REPORT).main.json) || status=1; \
	$(NPM) test -- --selectProjects real-node --runInBand $(JEST_ARGS) \
	  $(if $(JEST_REPORT),--json --outputFile=$(JEST_REPORT).real-node.json) || status=1; \
	exit $$status

## The real-node suite alone (kubelet + containerd in a network namespace, the product as real pods).
test-real-node: prerequisites node_modules binaries node-binaries
	$(NPM) test -- --selectProjects real-node --runInBand $(JEST_ARGS)

test-unit: node_modules
	$(NPM) run test:unit

test-integration: prerequisites node_modules binaries
	$(NPM) run test:integration

crds: node_modules
	$(NPM) run crds

## After changing package.json's version (the one version source): rewrites every copy, the CRD and deploy/.
generate: node_modules binaries
	$(NPM) run generate

## Renders the chart with default values into deploy/ (a test fails when deploy/ is stale).
deploy-render: node_modules binaries
	$(NPM) run deploy:render

## Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok and helm from Go modules (cached).
binaries:
	test/cluster/build-binaries.sh

## kubelet, kube-proxy, containerd, CNI plugins, CoreDNS and metrics-server from Go modules (cached).
node-binaries: binaries
	test/cluster/build-node-binaries.sh

## A real node (control plane + kubelet + containerd) left running in its own network namespace; root.
node-up: prerequisites node_modules binaries node-binaries
	$(NPM) run node-up

node-down:
	$(NPM) run node-down

## Starts the local control plane and leaves it running; prints how to point kubectl at it.
cluster-up: node_modules binaries
	$(NPM) run cluster-up

cluster-down:
	test/cluster/cluster-down.sh

## Redis, the upstream simulator and a few workers locally, a synthetic workload, and a summary.
demo: node_modules
	@test/tools/prerequisites.sh demo
	$(NPM) run demo

## The operator against the current kubeconfig.
run: node_modules
	$(NPM) run operator

bench: node_modules
	$(NPM) run bench

## For machines with Docker and internet.
kind-up:
	kind create cluster --name $(KIND_CLUSTER) --wait 120s

kind-load: image
	kind load docker-image $(IMAGE) --name $(KIND_CLUSTER)

kind-down:
	kind delete cluster --name $(KIND_CLUSTER)

image:
	docker build -t $(IMAGE) .

## Builds the Dockerfile here without a registry (Debian's docker.io, a debootstrap'd base with Node 24
## from node_modules, which must exist: run `make install` first) and
## smoke-tests it. Needs root. IMAGE_LOCAL_ARGS=--no-cache for a cold build.
image-local:
	test/image/build-local-image.sh $(IMAGE_LOCAL_ARGS)
