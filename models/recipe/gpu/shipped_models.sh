# Sourced by run_all.sh, compare_candidate.sh and continue_here.sh (bash, from the repository root): the shipped
# model.onnx files go to .models-aside/ (ignored by git) before gpu-prepare packs the corpus, so that the tree and
# the pack fit the 64 MiB that travels to the device, and come back before anything reads or exports over models/.
SHIPPED_MODELS="d3llm-tiny-code d3llm-tiny-code-ar"

set_shipped_models_aside() {
  for m in $SHIPPED_MODELS; do
    mkdir -p ".models-aside/$m"
    if [ -f "models/$m/model.onnx" ]; then mv "models/$m/model.onnx" ".models-aside/$m/model.onnx"; fi
  done
}

restore_shipped_models() {
  for m in $SHIPPED_MODELS; do
    if [ -f ".models-aside/$m/model.onnx" ]; then mv ".models-aside/$m/model.onnx" "models/$m/model.onnx"; fi
  done
}
