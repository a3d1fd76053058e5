// Document lookups and the container finishing step shared by the JSON and UBJSON parsers.
#include "forest/document.h"

#include "forest/source_excerpt.h"

namespace larch::forest {

const DocValue* Document::Find(const DocValue& object, std::string_view key) const {
  if (object.kind != DocKind::kObject) return nullptr;
  for (const DocValue& m : Children(object)) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

Status Document::ErrorAt(uint64_t offset, std::string_view message) const {
  return Status::Invalid(FormatByteError(format_, message, source_, offset, binary_));
}

DocValue FinishContainer(Document* doc, std::vector<DocValue>* scratch, size_t first,
                         bool is_object, uint64_t offset) {
  DocValue out;
  out.offset = offset;
  const size_t n = scratch->size() - first;
  bool all_numbers = !is_object;
  for (size_t i = first; all_numbers && i < scratch->size(); ++i) {
    const DocKind k = (*scratch)[i].kind;
    all_numbers = k == DocKind::kNumber || k == DocKind::kBool;
  }
  if (all_numbers) {
    std::vector<double>& numbers = doc->numbers();
    out.kind = DocKind::kNumberArray;
    out.begin = numbers.size();
    out.count = n;
    for (size_t i = first; i < scratch->size(); ++i) {
      const DocValue& v = (*scratch)[i];
      numbers.push_back(v.kind == DocKind::kBool ? (v.boolean ? 1.0 : 0.0) : v.number);
    }
  } else {
    std::vector<DocValue>& nodes = doc->nodes();
    out.kind = is_object ? DocKind::kObject : DocKind::kArray;
    out.begin = nodes.size();
    out.count = n;
    nodes.insert(nodes.end(), scratch->begin() + static_cast<ptrdiff_t>(first), scratch->end());
  }
  scratch->resize(first);
  return out;
}

}  // namespace larch::forest
