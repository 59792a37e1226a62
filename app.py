"""FashSeg web app: classify clothing, segment building facades, browse what the models learned.

    python app.py                 # http://127.0.0.1:7860
    python app.py --share         # plus a temporary public link
    python app.py --host 0.0.0.0 --port 8080

This file only lays out the UI and wires events; the work happens in fashseg/.
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home unless asked

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from fashseg.canvas import drawing_canvas, drawn_picture
from fashseg.checkpoint import CHECKPOINT_DIR
from fashseg.memory import limit_malloc_arenas
from fashseg.overlays import heat_key_html
from fashseg.preprocess import InputError
from fashseg.service import Service, Unavailable
from fashseg.ui import (
    CSS,
    EXCEPTION_HANDLERS,
    POLISH_JS,
    THEME,
    AnswerLabel,
    BodyLimit,
    picture_upload,
    plain_refusals,
    raw_upload,
    to_file,
    user_errors,
)

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
CHECKPOINTS = Path(os.environ.get("FASHSEG_CHECKPOINTS", CHECKPOINT_DIR))
NO_IMAGE = "No image given: upload a picture (PNG, JPEG, WebP...) or pick an example."


def unavailable(message: str | None) -> None:
    """The one way a part of the app that could not load says so."""
    if message:
        gr.Markdown(f"⚠️ **This part is unavailable.** {message}")


def side_by_side(*figures) -> None:
    """(figure, what it shows) pairs in one row that wraps on a phone; the text becomes the image's alt text."""
    with gr.Row(equal_height=False):
        for fig, label in figures:
            gr.Plot(fig, label=label, show_label=False, min_width=300)


def clothing_tab(svc: Service) -> None:
    def shown(r):
        """One classification as the five outputs: the answer over the probabilities, the two pictures, the note, the verdict."""
        return (r.answer, r.probs), to_file(r.seen, "seen"), to_file(r.heat, "heat"), r.note, r.verdict

    def cleared(note: str = ""):
        """No answer: the five outputs empty, with ``note`` saying why (if anything needs saying)."""
        return None, None, None, note, None

    @user_errors
    def classify(upload):
        image = raw_upload(upload)
        if image is None:
            return cleared(NO_IMAGE)
        return shown(svc.classify(image))

    @user_errors
    def classify_drawing(upload):
        return shown(svc.classify_drawing(raw_upload(upload)))

    @user_errors
    def classify_canvas(value):
        """Runs after every stroke, Undo and Clear. An empty canvas clears the results; a drawing the
        network cannot use yet (a dot, everything erased) says why in the note, not in a toast."""
        drawing = drawn_picture(value)
        if drawing is None:
            return cleared()
        try:
            return shown(svc.classify_drawing(drawing))
        except InputError as e:
            return cleared(str(e))

    @user_errors
    def classify_shown_photo(upload):
        """Back on the Upload tab: the answer is the picture it shows (none: no answer), not the drawing's."""
        image = raw_upload(upload)
        if image is None:
            return cleared()
        try:
            return shown(svc.classify(image))
        except InputError as e:  # already refused in a toast when it was dropped; now a note is enough
            return cleared(str(e))

    unavailable(svc.classifier_error)
    with gr.Row(equal_height=False):
        with gr.Column(min_width=300):
            with gr.Tab("Draw") as draw_tab:
                canvas = drawing_canvas("canvas")
            with gr.Tab("Upload") as upload_tab:
                photo = picture_upload("Photo of a garment, shoe or bag", 320, "photo")
                # in the Upload tab, so that on a phone the answer sits right under the canvas
                examples = gr.Examples(
                    sorted(str(p) for p in (EXAMPLES / "fashion").glob("*.png")),
                    inputs=photo,
                    label="Fashion-MNIST test images and drawings (click one to classify it)",
                    examples_per_page=12,
                )
            drawing_file = gr.Image(type="filepath", visible=False, label="Drawing")  # the API's way to send a drawing
        with gr.Column(min_width=300):
            probs = AnswerLabel(num_top_classes=10, label="Class probabilities", elem_id="probs")
            note = gr.Markdown(elem_id="note")
            verdict = gr.JSON(visible=False, label="Verdict")
            with gr.Row():
                seen = gr.Image(label="Network input", height=220, min_width=140, buttons=[], elem_id="seen")
                heat = gr.Image(label="Grad-CAM", height=220, min_width=140, buttons=[], elem_id="heat")
            gr.HTML(heat_key_html(), elem_id="heat-key")
    outs = [probs, seen, heat, note, verdict]
    # preprocess=False: handlers get the upload as sent (raw_upload), not re-saved by Gradio.
    # One answer per action: an upload (not the clear that precedes a replacement) runs the network once.
    # After a refusal the toast says why; the previous answer goes, so it is not read as this picture's.
    for answered in (
        photo.upload(classify, photo, outs, api_name="classify", preprocess=False),
        examples.load_input_event.then(classify, photo, outs, api_name="classify_example", api_visibility="private", preprocess=False),
        drawing_file.upload(classify_drawing, drawing_file, outs, api_name="classify_drawing", preprocess=False),
    ):
        answered.failure(cleared, None, outs, api_visibility="private", show_progress="hidden")
    photo.clear(cleared, None, outs, api_visibility="private")
    # The answer always belongs to the picture in view: switching Draw/Upload answers what that tab shows.
    draw_tab.select(classify_canvas, canvas, outs, api_visibility="private", show_progress="hidden")
    upload_tab.select(classify_shown_photo, photo, outs, api_visibility="private", show_progress="hidden", preprocess=False)
    canvas.change(
        classify_canvas,
        canvas,
        outs,
        api_visibility="private",
        trigger_mode="always_last",  # strokes drawn while the network works: only the latest is answered
        show_progress="hidden",
        concurrency_limit=1,
    )


def buildings_tab(svc: Service) -> None:
    @user_errors
    def segment(upload, opacity, progress=gr.Progress()):
        image = raw_upload(upload)
        if image is None:
            return None, NO_IMAGE, None, None, None
        progress(0.1, desc="Segmenting")
        r = svc.segment(image, opacity)
        return to_file(r.overlay, "overlay"), r.legend, r.shares, r.png_path, r.labels

    def cleared():
        """No segmentation: after a removed or refused photo, nothing of the previous one stays."""
        return None, None, None, None, None

    @user_errors
    def segment_example(upload):
        """An example photo: segmented at the default opacity with every class shown, and the controls set to match."""
        return *segment(upload, 0.5), 0.5, "all"

    @user_errors
    def reblend(upload, labels, opacity, highlight):
        return to_file(svc.reblend(raw_upload(upload), labels, opacity, highlight), "overlay")

    unavailable(svc.segmenter_error)
    with gr.Row(equal_height=False):
        with gr.Column(min_width=300):
            building = picture_upload("Photo of a building facade (any size)", 360, "building")
            seg_btn = gr.Button("Segment", variant="primary")
            examples = gr.Examples(
                sorted(str(p) for p in (EXAMPLES / "facade").glob("*.jpg")),
                inputs=building,
                label="Mini Facade test_dev photos (CMP Facade Database, Tyleček & Šára 2013)",
            )
        with gr.Column(min_width=300):
            seg_img = gr.Image(label="Segmentation", height=480, elem_id="overlay")
            legend = gr.HTML(elem_id="legend")
            with gr.Row():
                opacity = gr.Slider(0, 1, value=0.5, step=0.05, label="Overlay opacity", elem_id="opacity", min_width=160)
                highlight = gr.Radio(
                    ["all", *svc.facade_classes()], value="all", label="Highlight a class", elem_id="highlight", min_width=200
                )
            shares = gr.Label(visible=False, label="Share of the picture")  # for API users; the legend shows the shares
            label_png = gr.File(label="Label map (palette PNG, original size)", elem_id="labels-file", height=90)
    seg_labels = gr.State()
    seg_outs = [seg_img, legend, shares, label_png, seg_labels]
    # preprocess=False throughout: handlers get the upload as sent (raw_upload), not re-saved by Gradio
    for answered in (
        examples.load_input_event.then(
            segment_example, building, [*seg_outs, opacity, highlight], api_visibility="private", preprocess=False
        ),
        seg_btn.click(segment, [building, opacity], seg_outs, api_name="segment", preprocess=False),
        building.upload(segment, [building, opacity], seg_outs, api_visibility="private", preprocess=False),
    ):
        answered.failure(cleared, None, seg_outs, api_visibility="private", show_progress="hidden")
    building.clear(cleared, None, seg_outs, api_visibility="private")
    # typing a value, arrow keys and dragging all redraw; only the latest value is drawn
    for control in (opacity, highlight):
        control.change(
            reblend,
            [building, seg_labels, opacity, highlight],
            seg_img,
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
            preprocess=False,
        )


def loaded(load):
    """What ``load`` returns, or None after saying in the page why that part is unavailable."""
    try:
        return load()
    except Unavailable as e:
        unavailable(str(e))


def classifier_insights(svc: Service, demo: gr.Blocks) -> None:
    if (ins := loaded(svc.fashion_insights)) is None:
        return

    @user_errors
    def confused(true, pred):
        return ins.confused(true, pred), ins.confusion_caption(true, pred)

    gr.Markdown(ins.summary_markdown())
    side_by_side(
        (ins.accuracy_bars(), "Per-class test accuracy, hardest first"), (ins.confusion_figure(), "Confusion matrix of the test set")
    )
    with gr.Accordion("Per-class test accuracy as a table", open=False):
        gr.Markdown(ins.table_markdown())
    if (reliability := ins.reliability_figure()) is not None:
        with gr.Row(equal_height=False):
            with gr.Column(min_width=300):
                gr.Plot(reliability, label="Calibration on the test set", show_label=False)
            with gr.Column(min_width=300):
                gr.Markdown(ins.calibration_markdown())
    gr.Markdown(ins.robustness_markdown())
    gr.Gallery(
        ins.gallery(),
        label="2 correct (✓) and 2 wrong (✗ true → predicted) test images per class",
        columns=5,
        height="auto",
        elem_classes="labelled-gallery",
    )
    gr.Markdown("## Which images get confused?")
    with gr.Row():
        true_cls = gr.Dropdown(list(ins.classes), value="Shirt", label="True class")
        pred_cls = gr.Dropdown(list(ins.classes), value="T-shirt/top", label="Predicted as")
    confused_md = gr.Markdown()
    confused_gallery = gr.Gallery(label="Confused test images", columns=6, height="auto", elem_classes="labelled-gallery")
    for dd in (true_cls, pred_cls):
        dd.change(confused, [true_cls, pred_cls], [confused_gallery, confused_md], api_visibility="private")
    demo.load(confused, [true_cls, pred_cls], [confused_gallery, confused_md], api_visibility="private")
    if (filters := loaded(svc.filters_figure)) is not None:
        gr.Plot(filters, label="First-layer convolution filters", show_label=False)
    gr.Plot(ins.training_curves(), label="Classifier training curves", show_label=False)
    gr.Markdown(
        "Training loss sits far above validation loss by design: it is measured on augmented batches with label "
        "smoothing and includes the outlier-exposure term (non-clothing pictures pushed towards a uniform answer); "
        "validation loss is plain cross-entropy on clean images."
    )
    if svc.classifier_error is None:
        with gr.Accordion("Network architecture", open=False):
            gr.Markdown(svc.architecture("fashion"))


def segmenter_insights(svc: Service) -> None:
    if (ins := loaded(svc.facade_insights)) is None:
        return
    gr.Markdown(ins.summary_markdown())
    side_by_side((ins.class_bars(), "Per-class AP and IoU on test_dev"), (ins.training_curves(), "Segmenter training curves"))
    gr.Plot(ins.examples_figure(), label="test_dev photos with ground truth and prediction", show_label=False)
    if svc.segmenter_error is None:
        with gr.Accordion("Network architecture", open=False):
            gr.Markdown(svc.architecture("facade"))


def build_demo(svc: Service) -> gr.Blocks:
    with gr.Blocks(title="FashSeg", delete_cache=(300, 600)) as demo:  # uploads older than 10 min go, checked every 5
        gr.Markdown("# FashSeg\nClassify clothing from a drawing or a photo, segment building facades, and see what the networks learned.")
        with gr.Tab("Clothing", elem_id="tab-clothing"):
            clothing_tab(svc)
        with gr.Tab("Buildings", elem_id="tab-buildings"):
            buildings_tab(svc)
        with gr.Tab("Insights", elem_id="tab-insights"):
            with gr.Tab("Classifier"):
                classifier_insights(svc, demo)
            with gr.Tab("Segmenter"):
                segmenter_insights(svc)
    return demo


limit_malloc_arenas()
demo = plain_refusals(build_demo(Service(CHECKPOINTS)))
demo.queue(default_concurrency_limit=2, max_size=64)


def main(argv=None):
    p = argparse.ArgumentParser(description="Run the FashSeg web app.")
    p.add_argument(
        "--host",
        default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        help="address to bind (default 127.0.0.1; 0.0.0.0 to serve your network)",
    )
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)), help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also create a temporary public *.gradio.live link")
    args = p.parse_args(argv)
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        max_file_size="25mb",
        show_error=True,
        enable_monitoring=False,
        # Gradio's run history would keep uploads (not drawings or facades) in the browser and reload
        # a photo's answer beside an empty canvas; answers are instant to redo, so nothing is kept.
        run_history=False,
        app_kwargs={"middleware": [Middleware(BodyLimit)], "exception_handlers": EXCEPTION_HANDLERS},
        theme=THEME,
        css=CSS,
        js=POLISH_JS,
    )


if __name__ == "__main__":
    main()
