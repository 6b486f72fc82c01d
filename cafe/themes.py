"""Suggested themes: notes grouped by what they say, offline, for the theme team to accept or not.

Pure logic (no Flask, no database). TF-IDF over words and over character n-grams within words,
so that notes in five languages, misspellings and word endings ("co-op", "coop", "cooperativa")
still meet, reduced by a truncated SVD. Two steps, because a room writes the same idea many
times: notes that say the same thing (cosine distance under IDEA_DISTANCE, average linkage)
become one idea; the ideas are grouped by k-means for every k in a small range, and the k with
the best silhouette (cosine) wins. Each group is labelled by the words that set it apart from
the other notes. Deterministic for a given seed. Measured in bench/themes.py.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Words that say nothing about a theme, in the app's languages (and French, close to Kreyòl).
STOP = frozenset(
    """a an and are as at be but by can do for from have how in into is it more must need not of
    on or our should so that the their them they this to too we what where who will with without
    your us all any each every new own other some such than then there these those very
    el la los las de del y en que para por con sus su un una unos al lo se es son como más mas no
    o nuestro nuestra nuestros nuestras
    o os as do da dos das e em um uma para por com que seu sua
    ak nan pou yo li nou ki se pa ka ap te gen sou tout epi oswa bay mete konsa
    le les des du et au aux pour par avec sur est une""".split()
)


@dataclass(frozen=True)
class Suggestion:
    """A proposed theme: the notes in it (their ids, in the order given), its label words, and
    the notes in it that say the same idea (groups of two or more)."""

    note_ids: tuple[str, ...]
    words: tuple[str, ...]
    same_idea: tuple[tuple[str, ...], ...] = ()

    @property
    def label(self) -> str:
        """The label the team sees first: the group's characteristic words."""
        return " · ".join(self.words)


def _fold(text: str) -> str:
    """Lower case without accents: "Educación" and "educacion" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Notes closer than this (cosine distance, in the reduced space) are taken to say the same idea.
IDEA_DISTANCE = 0.6


def suggest(
    notes: Sequence[tuple[str, str]], *, most: int = 12, seed: int = 0, label_words: int = 3
) -> list[Suggestion]:
    """Group `notes` ((id, text) pairs) into themes, largest first. Fewer than four notes, or
    notes with nothing in common, give no suggestion rather than a forced one."""
    # Imported here: the café runs without scikit-learn until someone asks for a suggestion.
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    ids = [note_id for note_id, _ in notes]
    texts = [_fold(text) for _, text in notes]
    if len(texts) < 4:
        return []
    words = TfidfVectorizer(stop_words=list(STOP), token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)
    try:
        by_word = words.fit_transform(texts)
        by_char = chars.fit_transform(texts)
    except ValueError:  # nothing but stop words, digits or one-letter words
        return []
    # Words say the theme; character n-grams catch misspellings and the languages' word endings.
    features = normalize(hstack([by_word, 0.7 * by_char]).tocsr())
    dims = max(2, min(50, features.shape[0] - 1, features.shape[1] - 1))
    reduced = normalize(TruncatedSVD(n_components=dims, random_state=seed).fit_transform(features))
    # Step 1: the same idea written several times is one idea.
    ideas = AgglomerativeClustering(
        n_clusters=None, distance_threshold=IDEA_DISTANCE, metric="cosine", linkage="average"
    ).fit_predict(reduced)
    count = int(ideas.max()) + 1
    centres = normalize(np.vstack([reduced[ideas == i].mean(axis=0) for i in range(count)]))
    # Step 2: ideas into themes; the number of themes is the one the silhouette likes best.
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(most, count // 2) + 1):
        grouped = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(centres)
        if len(set(grouped)) < 2:
            continue
        quality = float(silhouette_score(centres, grouped, metric="cosine"))
        if best is None or quality > best[0]:
            best = (quality, grouped)
    if best is None or best[0] <= 0.0:
        return []
    labels = best[1][ideas]
    vocabulary = np.array(words.get_feature_names_out())
    overall = np.asarray(by_word.mean(axis=0)).ravel()
    found = []
    for group in sorted(set(labels), key=lambda g: (-int((labels == g).sum()), int(np.argmax(labels == g)))):
        members = np.flatnonzero(labels == group)
        inside = np.asarray(by_word[members].mean(axis=0)).ravel()
        top = np.argsort(-(inside - overall), kind="stable")[:label_words]
        label = tuple(str(vocabulary[i]) for i in top if inside[i] > 0)
        repeated: dict[int, list[str]] = {}
        for i in members:
            repeated.setdefault(int(ideas[i]), []).append(ids[i])
        same = tuple(tuple(group_ids) for group_ids in repeated.values() if len(group_ids) > 1)
        found.append(Suggestion(tuple(ids[i] for i in members), label, same))
    return found
