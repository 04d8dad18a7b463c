"""Near-duplicate clusters, updated in place: new pairs join (or merge) the clusters they touch."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from warehouse.sqlfiles import sql


class _Components:
    """Union-find over document ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[str]]:
        found: dict[str, list[str]] = {}
        for item in list(self.parent):
            found.setdefault(self.find(item), []).append(item)
        return list(found.values())


def update_clusters(conn: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, str, float]]) -> tuple[int, int]:
    """Fold near-duplicate pairs into ``duplicate_clusters``; returns (documents placed, clusters touched).

    A cluster's id is its original's doc_id (a seed first, then the earliest published) and each member's
    similarity is its estimated Jaccard similarity to that original, so a chain of copies stays one cluster.
    """
    if not pairs:
        return 0, 0
    involved = sorted({d for a, b, _ in pairs for d in (a, b)})
    components = _Components()
    for cluster_id, doc_id in conn.execute(sql("analysis/clusters/members"), [involved]).fetchall():
        components.union(doc_id, cluster_id)
    for a, b, _ in pairs:
        components.union(a, b)
    groups = components.groups()
    members = sorted({d for group in groups for d in group})
    seniority = [r[0] for r in conn.execute(sql("analysis/clusters/seniority"), [members]).fetchall()]
    rank = {doc_id: i for i, doc_id in enumerate(seniority)}
    originals = {}
    for group in groups:
        original = min(group, key=lambda d: (rank.get(d, len(rank)), d))
        originals.update({d: original for d in group})
    others = [d for d in members if originals[d] != d]
    similarity = {
        a: s
        for a, _, s in conn.execute(
            sql("analysis/clusters/pair_similarity"), [others, [originals[d] for d in others]]
        ).fetchall()
    }
    conn.execute(sql("analysis/clusters/delete_members"), [members])
    conn.executemany(
        sql("analysis/clusters/insert_member"),
        [[originals[d], d, 1.0 if originals[d] == d else similarity.get(d, 0.0)] for d in members],
    )
    return len(members), len(groups)
